import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// Priorities within a queue against the real Redis: higher first, in arrival order within
/// one, through retries, delays and a dead worker's recovery; the depth counts each job once.
@Suite struct PriorityTests {
    let queue: JobQueue

    init() throws {
        queue = JobQueue(redis: try TestEnvironment.redis())
    }

    private func job(_ name: QueueName, _ priority: Int, runAt: Timestamp? = nil) -> JobRequest {
        var job = JobRequest(kind: "noop", queue: name, maxAttempts: 3, runAt: runAt, tenant: "acme")
        job.priority = priority
        return job
    }

    @Test func higherPrioritiesComeFirstAndOnePriorityInArrivalOrder() async throws {
        let name = TestEnvironment.uniqueQueue("priority-order")
        let jobs = [job(name, 0), job(name, 5), job(name, 0), job(name, 9), job(name, 5), job(name, 1)]
        try await queue.enqueue(Array(jobs[0..<3]))
        try await queue.enqueue(Array(jobs[3...]))
        #expect(try await queue.statistics(of: name).depth == 6)
        var order: [JobID] = []
        while order.count < 6 {
            let taken = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w1").jobs
            #expect(!taken.isEmpty)
            order += taken.map(\.id)
        }
        #expect(order == [3, 1, 4, 5, 0, 2].map { jobs[$0].id })
        #expect(try await queue.job(jobs[3].id)?.priority == 9)
        let statistics = try await queue.statistics(of: name)
        #expect(statistics.depth == 0 && statistics.running == 6)
        // The copies left in the ready list are dropped, and the depth stays right.
        #expect(try await queue.reserve(from: name, count: 10, lease: .seconds(15), worker: "w1").jobs.isEmpty)
        #expect(try await queue.statistics(of: name).depth == 0)
    }

    @Test func aRetryOrADelayedJobKeepsItsPriority() async throws {
        let name = TestEnvironment.uniqueQueue("priority-retry")
        let high = job(name, 7)
        try await queue.enqueue([high])
        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w1").jobs.first)
        #expect(try await queue.fail(first.lease, error: "again", retryIn: .zero, permanent: false) == .retrying)
        let plain = job(name, 0)
        // A second ahead, so that a loaded machine's pause before the enqueue does not make it due already.
        let delayed = job(name, 3, runAt: .localNow + .seconds(1))
        try await queue.enqueue([plain, delayed])
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await queue.promoteDue(in: name) == 2)
        // A reserve may come back short, having dropped the copy of a job it took from the set.
        var taken: [ReservedJob] = []
        for _ in 0..<4 where taken.count < 3 {
            taken += try await queue.reserve(from: name, count: 3 - taken.count, lease: .seconds(15), worker: "w1").jobs
        }
        #expect(taken.map(\.id) == [high.id, delayed.id, plain.id])
        #expect(taken.first?.attempt == 2)
    }

    @Test func aCancelledPrioritizedJobIsNeverTaken() async throws {
        let name = TestEnvironment.uniqueQueue("priority-cancel")
        let high = job(name, 4)
        let plain = job(name, 0)
        try await queue.enqueue([plain, high])
        #expect(try await queue.cancel(high.id) == .cancelled)
        #expect(try await queue.statistics(of: name).depth == 1)
        let taken = try await queue.reserve(from: name, count: 5, lease: .seconds(15), worker: "w1").jobs
        #expect(taken.map(\.id) == [plain.id])
        #expect(try await queue.statistics(of: name).depth == 0)
    }

    @Test func aHandedBackPrioritizedJobComesFirstAgain() async throws {
        let name = TestEnvironment.uniqueQueue("priority-handback")
        let plain = job(name, 0)
        let high = job(name, 2)
        try await queue.enqueue([plain, high])
        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w1").jobs.first)
        #expect(first.id == high.id)
        #expect(try await queue.handBack([first.lease]) == 1)
        #expect(try await queue.statistics(of: name).depth == 2)
        let again = try await queue.reserve(from: name, count: 5, lease: .seconds(15), worker: "w1").jobs
        #expect(again.map(\.id) == [high.id, plain.id])
        #expect(again[0].attempt == 1)
        #expect(try await queue.reserve(from: name, count: 5, lease: .seconds(15), worker: "w1").jobs.isEmpty)
        #expect(try await queue.statistics(of: name).depth == 0)
    }

    @Test func aPriorityOutOfRangeIsRefused() async throws {
        let name = TestEnvironment.uniqueQueue("priority-range")
        await #expect(throws: QueueError.self) { try await queue.enqueue([job(name, 10)]) }
        await #expect(throws: QueueError.self) { try await queue.enqueue([job(name, -1)]) }
    }
}

/// A job's deadline and its kind's retention against the real Redis.
@Suite struct DeadlineAndRetentionTests {
    let redis: RedisClient

    init() throws {
        redis = try TestEnvironment.redis()
    }

    @Test func aJobTakenAfterItsDeadlineIsCancelledUnrun() async throws {
        let queue = JobQueue(redis: redis)
        let name = TestEnvironment.uniqueQueue("deadline")
        var late = JobRequest(kind: "noop", queue: name, tenant: "acme")
        late.deadline = .localNow + .seconds(-1)
        var timely = JobRequest(kind: "noop", queue: name, tenant: "acme")
        timely.deadline = .localNow + .seconds(3600)
        try await queue.enqueue([late, timely])
        let taken = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w1").jobs
        #expect(taken.map(\.deadline) == [late.deadline, timely.deadline])
        #expect(try await queue.expire(taken[0].lease, reason: "deadline passed") == true)
        #expect(try await queue.expire(taken[0].lease, reason: "deadline passed") == false, "an expire of a lost lease counted")
        let record = try #require(try await queue.job(late.id))
        #expect(record.state == .cancelled && record.error == "deadline passed")
        #expect(record.deadline == late.deadline)
        #expect(try await queue.statistics(of: name).running == 1)
    }

    @Test func aKindsOwnRetentionKeepsItsJobsAsLongAsItSays() async throws {
        let name = TestEnvironment.uniqueQueue("retention")
        let queue = JobQueue(redis: redis, policy: QueuePolicy(retention: .seconds(3600), retentionByKind: ["keep.briefly": .milliseconds(1)]))
        let brief = JobRequest(kind: "keep.briefly", queue: name, tenant: "acme")
        let plain = JobRequest(kind: "noop", queue: name, tenant: "acme")
        let cancelled = JobRequest(kind: "keep.briefly", queue: name, runAt: .localNow + .seconds(60), tenant: "acme")
        try await queue.enqueue([brief, plain, cancelled])
        let taken = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w1").jobs
        #expect(try await queue.complete(taken.map { (lease: $0.lease, result: "") }) == [true, true])
        let kept = try #require(try await queue.job(brief.id))
        #expect(kept.state == .succeeded)
        #expect(abs(try #require(kept.finishedAt).microseconds - Timestamp.localNow.microseconds) < 60_000_000, "the finish time was read with the shift")
        #expect(try await queue.cancel(cancelled.id) == .cancelled)
        try await Task.sleep(for: .milliseconds(20))
        // The recoverer sweeps what passed its retention.
        _ = try await queue.recoverExpired(in: name)
        #expect(try await queue.job(brief.id) == nil)
        #expect(try await queue.job(cancelled.id) == nil)
        #expect(try await queue.job(plain.id)?.state == .succeeded)
    }
}
