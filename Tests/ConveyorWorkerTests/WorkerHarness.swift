import ConveyorJobs
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Logging
import Testing

/// Starts worker processes and enqueues drill jobs for the fault tests. The harness
/// keeps the processes it started, and they are killed when it is released.
final class WorkerHarness: @unchecked Sendable {
    let queueName: QueueName
    let redisURL: String
    let redis: RedisClient
    let queue: JobQueue
    /// The shards of the harness's queue; 1 when it is not sharded.
    let shards: Int
    private var workers: [ConveyorProcess] = []

    init(_ purpose: String, redisURL: String? = nil, shards: Int = 1) throws {
        queueName = TestEnvironment.uniqueQueue(purpose)
        self.redisURL = try redisURL ?? TestEnvironment.redisURL()
        self.shards = shards
        var configuration = try RedisConfiguration(url: self.redisURL)
        configuration.poolSize = 2
        redis = RedisClient(configuration: configuration, logger: .init(label: "test"))
        queue = JobQueue(redis: redis, policy: QueuePolicy(shards: [queueName: shards]))
    }

    /// A `conveyor worker` on this harness's queue, once it has logged that it started.
    /// - Parameters:
    ///   - queues: its `--queues`, when not just this harness's queue.
    ///   - redisURL: where it finds Redis, when not where the harness does (a relay).
    @discardableResult
    func startWorker(
        concurrency: Int = 10, lease: Double = 3, drainTimeout: Double = 25, queues: String? = nil, redisURL: String? = nil,
        options: [String] = []
    ) async throws -> ConveyorProcess {
        let worker = try ConveyorProcess(
            [
                "worker", "--queues", queues ?? queueName.rawValue, "--concurrency", "\(concurrency)",
                "--lease", "\(lease)", "--drain-timeout", "\(drainTimeout)",
            ] + options,
            environment: ["CONVEYOR_REDIS_URL": redisURL ?? self.redisURL, "CONVEYOR_QUEUE_SHARDS": "\(queueName):\(shards)"]
        )
        let started = try await eventually(timeout: .seconds(20)) {
            worker.logLines.contains { ($0["msg"] as? String) == "worker started" }
        }
        try #require(started, "the worker did not start: \(worker.output)")
        workers.append(worker)
        return worker
    }

    /// Enqueues `count` jobs of a catalogue kind, with the kind's defaults unless given.
    @discardableResult
    func enqueue(
        _ kind: String, payload: String = "{}", count: Int = 1, maxAttempts: Int? = nil, timeout: Duration? = nil
    ) async throws -> [JobID] {
        let options = try JobCatalogue.registry().kind(named: kind)?.options
        let jobs = (0..<count).map { _ in
            JobRequest(
                kind: kind, payload: payload, queue: queueName,
                maxAttempts: maxAttempts ?? options?.maxAttempts ?? 1,
                timeout: timeout ?? options?.timeout ?? .seconds(30),
                requestID: "test-\(UUID().uuidString.prefix(8))"
            )
        }
        try await queue.enqueue(jobs)
        return jobs.map(\.id)
    }

    func statistics() async throws -> QueueStatistics {
        try await queue.statistics(of: queueName)
    }

    /// Waits until at least `count` jobs of the queue succeeded.
    func waitUntilSucceeded(atLeast count: Int, timeout: Duration) async throws -> Bool {
        try await eventually(timeout: timeout, interval: .milliseconds(10)) { try await statistics().succeeded >= count }
    }

    func records(_ ids: [JobID]) async throws -> [JobRecord] {
        var records: [JobRecord] = []
        for id in ids {
            if let record = try await queue.job(id) { records.append(record) }
        }
        return records
    }

    func states(_ ids: [JobID]) async throws -> [JobState] {
        try await records(ids).map(\.state)
    }

    /// The fencing token of the job's latest attempt; nil for a job never reserved.
    func leaseToken(of id: JobID) async throws -> String? {
        try await redis.send(RedisCommand("HGET", .string(jobKey(id)), "lease")).string
    }

    private func jobKey(_ id: JobID) -> String {
        "conveyor:{\(queue.shard(of: id))}:job:\(id)"
    }

    /// Waits until the current attempt of every job has been renewed once, which tells Redis
    /// that it reached its worker: a fault after that spends the attempt.
    func waitUntilConfirmed(_ ids: [JobID], timeout: Duration = .seconds(10)) async throws -> Bool {
        try await eventually(timeout: timeout, interval: .milliseconds(50)) {
            for id in ids {
                let fields = try await redis.send(RedisCommand("HMGET", .string(jobKey(id)), "lease", "renewed")).array ?? []
                guard fields.count == 2, let lease = fields[0].string, lease == fields[1].string else { return false }
            }
            return true
        }
    }

    /// Waits until every job is in `state`; returns whether they got there in time. A
    /// Redis that is restarting answers "not yet".
    func waitUntil(_ ids: [JobID], are state: JobState, timeout: Duration) async throws -> Bool {
        try await eventually(timeout: timeout, interval: .milliseconds(100)) {
            let states = (try? await states(ids)) ?? []
            return states.count == ids.count && states.allSatisfy { $0 == state }
        }
    }
}
