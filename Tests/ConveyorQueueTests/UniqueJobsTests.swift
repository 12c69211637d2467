import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// Unique jobs against the real Redis: a second job with the same key meets the first while
/// the first is within its lock's scope, and is created once the scope has passed.
@Suite struct UniqueJobsTests {
    let redis: RedisClient
    let queue: JobQueue

    init() throws {
        redis = try TestEnvironment.redis()
        queue = JobQueue(redis: redis)
    }

    private func job(_ name: QueueName, _ scope: JobUniqueness.Scope, payload: String = #"{"user":7}"#, tenant: String = "acme") -> JobRequest {
        var job = JobRequest(kind: "noop", payload: payload, queue: name, maxAttempts: 2, tenant: tenant)
        job.uniqueness = JobUniqueness(scope: scope, key: JobUniqueness.key(tenant: tenant, kind: "noop", payload: payload))
        return job
    }

    @Test func theKeyIgnoresMemberOrderAndSpacingAndSeparatesTenantsAndFields() {
        let key = JobUniqueness.key(tenant: "acme", kind: "noop", payload: #"{"a":1,"b":[2,3]}"#)
        #expect(key == JobUniqueness.key(tenant: "acme", kind: "noop", payload: #"{ "b": [2, 3], "a": 1 }"#))
        #expect(key != JobUniqueness.key(tenant: "other", kind: "noop", payload: #"{"a":1,"b":[2,3]}"#))
        #expect(key != JobUniqueness.key(tenant: "acme", kind: "drill.sleep", payload: #"{"a":1,"b":[2,3]}"#))
        let byField = JobUniqueness.key(tenant: "acme", kind: "noop", payload: #"{"a":1,"b":2}"#, fields: ["a"])
        #expect(byField == JobUniqueness.key(tenant: "acme", kind: "noop", payload: #"{"a":1,"b":9}"#, fields: ["a"]))
        #expect(byField != JobUniqueness.key(tenant: "acme", kind: "noop", payload: #"{"a":2,"b":2}"#, fields: ["a"]))
        #expect(key.count == 32)
    }

    @Test func untilFinishedHoldsThroughTheRunAndFreesOnSuccess() async throws {
        let name = TestEnvironment.uniqueQueue("unique-finished")
        let first = job(name, .untilFinished)
        #expect(try await queue.enqueue([first]).uniqueHits.isEmpty)
        let waiting = job(name, .untilFinished)
        #expect(try await queue.enqueue([waiting]).uniqueHits == [waiting.id: first.id])

        let taken = try await queue.reserve(from: name, count: 10, lease: .seconds(15), worker: "w1")
        #expect(taken.jobs.map(\.id) == [first.id])
        let running = job(name, .untilFinished)
        #expect(try await queue.enqueue([running]).uniqueHits == [running.id: first.id])

        #expect(try await queue.complete(taken.jobs.map { (lease: $0.lease, result: "") }) == [true])
        let after = job(name, .untilFinished)
        let result = try await queue.enqueue([after])
        #expect(result.uniqueHits.isEmpty && result.created == 1)
        #expect(try await redis.send(RedisCommand("EXISTS", .string("conveyor:{\(name)}:unique:\(first.uniqueness!.key)"))).int == 1)
        #expect(try await queue.statistics(of: name).depth == 1, "the jobs met by the lock were counted as waiting")
    }

    @Test func untilStartedFreesWhenTheFirstAttemptStarts() async throws {
        let name = TestEnvironment.uniqueQueue("unique-started")
        let first = job(name, .untilStarted)
        try await queue.enqueue([first])
        let second = job(name, .untilStarted)
        #expect(try await queue.enqueue([second]).uniqueHits[second.id] == first.id)
        _ = try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w1")
        let third = job(name, .untilStarted)
        #expect(try await queue.enqueue([third]).uniqueHits.isEmpty, "the lock outlived the first job's start")
    }

    @Test func aPeriodHoldsWhateverBecomesOfTheJob() async throws {
        let name = TestEnvironment.uniqueQueue("unique-period")
        let first = job(name, .period(.seconds(30)))
        try await queue.enqueue([first])
        #expect(try await queue.cancel(first.id) == .cancelled)
        let second = job(name, .period(.seconds(30)))
        #expect(try await queue.enqueue([second]).uniqueHits[second.id] == first.id, "a cancel freed a lock held for a period")
        let ttl = try await redis.send(RedisCommand("PTTL", .string("conveyor:{\(name)}:unique:\(first.uniqueness!.key)"))).int ?? 0
        #expect(ttl > 0 && ttl <= 30_000, "the lock holds for its period")
    }

    @Test func aDeadOrCancelledHolderFreesTheLock() async throws {
        let name = TestEnvironment.uniqueQueue("unique-dead")
        let first = job(name, .untilFinished)
        try await queue.enqueue([first])
        let taken = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w1").jobs.first)
        #expect(try await queue.fail(taken.lease, error: "boom", retryIn: .zero, permanent: true) == .dead)
        let second = job(name, .untilFinished)
        #expect(try await queue.enqueue([second]).uniqueHits.isEmpty)
        #expect(try await queue.cancel(second.id) == .cancelled)
        let third = job(name, .untilFinished)
        #expect(try await queue.enqueue([third]).uniqueHits.isEmpty)
    }

    @Test func twoJobsWithOneKeyInOneCallMakeOneJob() async throws {
        let name = TestEnvironment.uniqueQueue("unique-batch")
        let jobs = [job(name, .untilFinished), job(name, .untilFinished, payload: #"{"user":8}"#), job(name, .untilFinished)]
        let result = try await queue.enqueue(jobs)
        #expect(result.created == 2)
        #expect(result.uniqueHits == [jobs[2].id: jobs[0].id])
        #expect(try await queue.waiting(of: "acme", in: name).jobs == 2)
    }

    @Test func aFullQueueAnswersAUniqueHitOrAResendAndRefusesOnlyANewJob() async throws {
        let name = TestEnvironment.uniqueQueue("unique-full")
        let full = JobQueue(redis: redis, policy: QueuePolicy(maxLengthByQueue: [name: 1]))
        let first = job(name, .untilFinished)
        #expect(try await full.enqueue([first]).created == 1)
        let second = job(name, .untilFinished)
        #expect(try await full.enqueue([second]).uniqueHits == [second.id: first.id])
        let resent = try await full.enqueue([first])
        #expect(resent.created == 0 && resent.uniqueHits.isEmpty)
        // One new job beside them is one too many: the call is refused whole.
        await #expect {
            try await full.enqueue([self.job(name, .untilFinished), self.job(name, .untilFinished, payload: #"{"user":8}"#)])
        } throws: { error in
            guard case .queueFull(_, let depth, let limit)? = error as? QueueError else { return false }
            return depth == 1 && limit == 1
        }
        #expect(try await full.statistics(of: name).depth == 1)
    }

    @Test func fiftyConcurrentEnqueuesOfOneKeyCreateOneJob() async throws {
        let name = TestEnvironment.uniqueQueue("unique-race")
        let jobs = (0..<50).map { _ in job(name, .untilFinished) }
        let results = try await withThrowingTaskGroup(of: (JobID, JobQueue.EnqueueResult).self) { group in
            for job in jobs {
                group.addTask { (job.id, try await self.queue.enqueue([job])) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = results.filter { $0.1.created == 1 }.map(\.0)
        #expect(created.count == 1)
        let holder = try #require(created.first)
        for (id, result) in results where id != holder {
            #expect(result.uniqueHits[id] == holder)
        }
        #expect(try await queue.statistics(of: name).depth == 1)
    }

    @Test func aShardedQueuesUniqueJobLivesInItsLocksShard() async throws {
        let name = TestEnvironment.uniqueQueue("unique-sharded")
        let sharded = JobQueue(redis: redis, policy: QueuePolicy(shards: [name: 4]))
        var first = job(name, .untilFinished)
        let uniqueness = try #require(first.uniqueness)
        let lockShard = sharded.shard(of: sharded.uniqueJobID(for: uniqueness, in: name))
        let misplaced = (0..<64).lazy.map { _ in JobID(in: name) }.first(where: { sharded.shard(of: $0) != lockShard })
        var refused = JobRequest(id: try #require(misplaced), kind: "noop", payload: first.payload, queue: name, tenant: "acme")
        refused.uniqueness = uniqueness
        await #expect(throws: QueueError.self) { try await sharded.enqueue([refused]) }

        first = JobRequest(id: sharded.uniqueJobID(for: uniqueness, in: name), kind: "noop", payload: first.payload, queue: name, tenant: "acme")
        first.uniqueness = uniqueness
        try await sharded.enqueue([first])
        var second = JobRequest(id: sharded.uniqueJobID(for: uniqueness, in: name), kind: "noop", payload: first.payload, queue: name, tenant: "acme")
        second.uniqueness = uniqueness
        #expect(try await sharded.enqueue([second]).uniqueHits[second.id] == first.id)
    }
}
