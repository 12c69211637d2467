import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// Deferring a running job: back on the schedule, without spending its attempt, fenced
/// like every other change of a running attempt.
@Suite struct DeferTests {
    let redis: RedisClient
    let queue: JobQueue

    init() throws {
        redis = try TestEnvironment.redis()
        queue = JobQueue(redis: redis)
    }

    @Test func aDeferredJobWaitsOnTheScheduleAndKeepsItsAttemptCount() async throws {
        let name = TestEnvironment.uniqueQueue("defer")
        let request = JobRequest(kind: "noop", queue: name, maxAttempts: 2)
        try await queue.enqueue([request])
        var attempts: [Int] = []
        // More deferrals than the job has attempts: none of them spends one.
        for _ in 0..<3 {
            let promoted = try await eventually(timeout: .seconds(10)) {
                _ = try await queue.promoteDue(in: name)
                return try await queue.statistics(of: name).depth == 1
            }
            try #require(promoted)
            let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
            attempts.append(job.attempt)
            let until = Timestamp.localNow + .milliseconds(300)
            #expect(try await queue.defer(job.lease, until: until))
            let record = try #require(try await queue.job(job.id))
            #expect(record.state == .scheduled)
            #expect(record.attempt == 0)
            #expect(try #require(record.runAt) >= until)
            #expect(try await queue.statistics(of: name).scheduled == 1)
        }
        #expect(attempts == [1, 1, 1])
        let statistics = try await queue.statistics(of: name)
        #expect(statistics.deferred == 3 && statistics.retried == 0 && statistics.running == 0)

        // The next real attempt is the first, and its failure counts as usual.
        _ = try await eventually(timeout: .seconds(10)) { try await queue.promoteDue(in: name) == 1 }
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(job.attempt == 1)
        #expect(try await queue.fail(job.lease, error: "boom", retryIn: .zero, permanent: false) == .retrying)
    }

    @Test func aDeferralFromAnAttemptWithoutTheLeaseIsRefused() async throws {
        let name = TestEnvironment.uniqueQueue("defer-fence")
        try await queue.enqueue([JobRequest(kind: "noop", queue: name)])
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.defer(JobLease(id: job.id, token: "999"), until: .localNow) == false)
        #expect(try await queue.job(job.id)?.state == .running)
        #expect(try await queue.job(job.id)?.attempt == 1)

        // Once deferred, the attempt's own later calls are refused too.
        #expect(try await queue.defer(job.lease, until: .localNow + .seconds(60)))
        #expect(try await queue.defer(job.lease, until: .localNow) == false)
        #expect(try await queue.complete([(lease: job.lease, result: "")]) == [false])
        #expect(try await queue.fail(job.lease, error: "late", retryIn: .zero, permanent: false) == .refused)
        #expect(try await queue.job(job.id)?.state == .scheduled)
        #expect(try await queue.job(job.id)?.attempt == 0)
    }

    @Test func aDeferralToAPastTimeIsDueAtOnce() async throws {
        let name = TestEnvironment.uniqueQueue("defer-past")
        try await queue.enqueue([JobRequest(kind: "noop", queue: name)])
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.defer(job.lease, until: Timestamp(microseconds: 0)))
        #expect(try await queue.promoteDue(in: name) == 1)
        let again = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(again.id == job.id && again.attempt == 1 && again.token != job.token)
    }
}
