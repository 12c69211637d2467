import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// The schedule's listing and its one action: delayed and retrying jobs read by rank, soonest
/// due first, and a job of the schedule queued at once.
@Suite struct ScheduledJobsTests {
    let redis: RedisClient

    init() throws {
        redis = try TestEnvironment.redis()
    }

    /// Delayed jobs of `tenant`, due 10 minutes from now and a second apart each, in an order
    /// other than that of their due times.
    private func delayed(_ count: Int, in name: QueueName, through queue: JobQueue) async throws -> [JobRequest] {
        let start = Timestamp.localNow + .seconds(600)
        let jobs = (0..<count).reversed().map { index in
            JobRequest(kind: "noop", payload: #"{"n":\#(index)}"#, queue: name, maxAttempts: 3, runAt: start + .seconds(index), tenant: "acme")
        }
        try await queue.enqueue(jobs)
        return jobs.reversed()
    }

    @Test func delayedAndRetryingJobsArePagedSoonestFirstWithTheirState() async throws {
        let name = TestEnvironment.uniqueQueue("schedule")
        let queue = JobQueue(redis: redis)
        let delayed = try await delayed(5, in: name, through: queue)
        let failing = JobRequest(kind: "drill.fail", queue: name, maxAttempts: 3, tenant: "other")
        try await queue.enqueue([failing])
        let attempt = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.fail(attempt.lease, error: "boom", retryIn: .seconds(60), permanent: false) == .retrying)

        let all = try await queue.scheduledJobs(in: name, offset: 0, limit: 10)
        #expect(all.map(\.id) == [failing.id] + delayed.map(\.id))
        #expect(all.map(\.state) == [.retrying] + Array(repeating: .scheduled, count: 5))
        #expect(all[0].error == "boom" && all[0].attempt == 1 && all[0].tenant == "other")
        #expect(all[1].runAt == delayed[0].runAt && all[1].tenant == "acme")

        let second = try await queue.scheduledJobs(in: name, offset: 2, limit: 2)
        #expect(second.map(\.id) == delayed[1...2].map(\.id))
        #expect(try await queue.scheduledJobs(in: name, offset: 6, limit: 10).isEmpty)
    }

    @Test func runNowQueuesAScheduledOrRetryingJobOnceAndKeepsItsAttempts() async throws {
        let name = TestEnvironment.uniqueQueue("run-now")
        let queue = JobQueue(redis: redis)
        let delayed = try #require(try await delayed(1, in: name, through: queue).first)
        #expect(try await queue.runNow(delayed.id))
        #expect(try await queue.runNow(delayed.id) == false)
        let queued = try #require(try await queue.job(delayed.id))
        #expect(queued.state == .queued && queued.attempt == 0)
        #expect(try await queue.statistics(of: name).scheduled == 0)

        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(first.id == delayed.id && first.attempt == 1)
        #expect(try await queue.fail(first.lease, error: "boom", retryIn: .seconds(3600), permanent: false) == .retrying)
        #expect(try await queue.runNow(delayed.id))
        let second = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(second.id == delayed.id && second.attempt == 2)
        #expect(try await queue.runNow(try JobID("\(name).01J00000000000000000000000")) == false)
    }

    @Test func aShardedQueuesScheduleIsPagedAcrossItsShardsInDueOrder() async throws {
        let name = TestEnvironment.uniqueQueue("schedule-sharded")
        let queue = JobQueue(redis: redis, policy: QueuePolicy(shards: [name: 4]))
        let delayed = try await delayed(12, in: name, through: queue)
        let first = try await queue.scheduledJobs(in: name, offset: 0, limit: 5)
        let rest = try await queue.scheduledJobs(in: name, offset: 5, limit: 10)
        #expect((first + rest).map(\.id) == delayed.map(\.id))
        #expect(try await queue.runNow(delayed[7].id))
        #expect(try await queue.scheduledJobs(in: name, offset: 7, limit: 1).map(\.id) == [delayed[8].id])
    }
}
