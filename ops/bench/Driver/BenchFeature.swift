import ArgumentParser
import ConveyorCore
import ConveyorJobs
import ConveyorQueue

/// What the jobs of a measurement use beyond a plain noop job (`conveyor-bench enqueue
/// --feature`), so that each feature's cost shows as a drain beside the plain one. Every
/// feature is used where it never holds a job back: each job's own unique key, a limit no
/// drain reaches, a deadline an hour ahead; what remains is what it costs the engine.
enum BenchFeature: String, CaseIterable, ExpressibleByArgument {
    /// A plain noop job.
    case plain
    /// A unique job (until finished), each with a key of its own.
    case unique
    /// Priorities 1 to 9 in turn.
    case priority
    /// A deadline an hour ahead, checked by the worker before the attempt.
    case deadline
    /// Kept by its kind 20 minutes, not the bench workers' queue retention of 10
    /// (`CONVEYOR_RETENTION=600`).
    case retention
    /// A kind under a concurrency limit: a slot taken and freed per attempt, renewed while held.
    case concurrency
    /// A kind under a rate limit: each start counted in the limit's window.
    case rate
    /// Members of batches of ``batchSize``, each batch with an `on_complete` noop.
    case batch

    /// The jobs of one batch of the ``batch`` feature.
    static let batchSize = 1_000

    /// The queue's policy for the feature: the kind's own retention for ``retention``.
    func policy(of queue: QueueName, shards: Int) -> QueuePolicy {
        var policy = QueuePolicy(maxLength: 0, shards: [queue: shards])
        if self == .retention { policy.retentionByKind = [NoopJob.name: .seconds(1200)] }
        return policy
    }

    /// The `index`-th job's request.
    func request(_ index: Int, in queue: QueueName, of jobQueue: JobQueue) -> JobRequest {
        switch self {
        case .plain, .retention, .batch:
            return JobRequest(kind: NoopJob.name, queue: queue)
        case .unique:
            let payload = "{\"n\":\(index)}"
            let uniqueness = JobUniqueness(scope: .untilFinished, key: JobUniqueness.key(tenant: "", kind: NoopJob.name, payload: payload))
            var request = JobRequest(id: jobQueue.uniqueJobID(for: uniqueness, in: queue), kind: NoopJob.name, payload: payload, queue: queue)
            request.uniqueness = uniqueness
            return request
        case .priority:
            var request = JobRequest(kind: NoopJob.name, queue: queue)
            request.priority = 1 + index % 9
            return request
        case .deadline:
            var request = JobRequest(kind: NoopJob.name, queue: queue)
            request.deadline = .localNow + .seconds(3600)
            return request
        case .concurrency:
            return JobRequest(kind: DrillLimitedNoopJob.name, queue: queue)
        case .rate:
            return JobRequest(kind: DrillMeteredNoopJob.name, queue: queue)
        }
    }

    /// Enqueues `requests` as the feature does: in batches of ``batchSize`` for ``batch``.
    func enqueue(_ requests: [JobRequest], to jobQueue: JobQueue, in queue: QueueName) async throws {
        guard self == .batch else {
            _ = try await jobQueue.enqueue(requests)
            return
        }
        for start in stride(from: 0, to: requests.count, by: Self.batchSize) {
            let members = requests[start..<min(start + Self.batchSize, requests.count)].map { BatchRequest.Member($0) }
            _ = try await jobQueue.createBatch(BatchRequest(tenant: "", members: members, onComplete: JobRequest(kind: NoopJob.name, queue: queue)))
        }
    }
}
