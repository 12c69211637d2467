import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// A queue spread over shards: every call finds a job from its id, a reserve takes from the
/// shards in turn, and pause, stats, limits and the dead set cover the queue as a whole.
@Suite struct ShardedQueueTests {
    let redis: RedisClient

    init() throws {
        redis = try TestEnvironment.redis()
    }

    private func queue(_ name: QueueName, shards: Int, limit: Int? = nil) -> JobQueue {
        var policy = QueuePolicy(shards: [name: shards])
        if let limit { policy.maxLengthByQueue[name] = limit }
        return JobQueue(redis: redis, policy: policy)
    }

    private func jobs(_ count: Int, in name: QueueName) -> [JobRequest] {
        (0..<count).map { JobRequest(kind: "noop", payload: #"{"n":\#($0)}"#, queue: name, maxAttempts: 1, tenant: "acme") }
    }

    @Test func jobsSpreadOverTheShardsAreEachFoundByIdAndAllReservedFirstInFirstOutPerShard() async throws {
        let name = TestEnvironment.uniqueQueue("sharded")
        let queue = queue(name, shards: 4)
        let jobs = jobs(40, in: name)
        try await queue.enqueue(jobs)
        // Each shard holds some, in its own keys.
        for shard in queue.shards(of: name) {
            let ready = try await redis.send(RedisCommand("LLEN", .string("conveyor:{\(shard)}:ready"))).int ?? 0
            #expect(ready > 0, "shard \(shard) holds none of 40 jobs")
        }
        #expect(try await redis.send(RedisCommand("EXISTS", .string("conveyor:{\(name.rawValue)}:ready"))).int == 0)
        for job in jobs {
            #expect(try await queue.job(job.id)?.state == .queued)
        }
        let statistics = try await queue.statistics(of: name)
        #expect(statistics.depth == 40)
        #expect(statistics.latency > .zero)

        var reserved: [ReservedJob] = []
        while true {
            let taken = try await queue.reserve(from: name, count: 7, lease: .seconds(30), worker: "w").jobs
            if taken.isEmpty { break }
            reserved += taken
        }
        #expect(Set(reserved.map(\.id)) == Set(jobs.map(\.id)))
        #expect(reserved.count == 40)
        // Within a shard, the order of enqueue.
        let order = Dictionary(uniqueKeysWithValues: jobs.enumerated().map { ($1.id, $0) })
        let byShard = Dictionary(grouping: reserved) { queue.shard(of: $0.id) }
        for (_, shardJobs) in byShard {
            let positions = shardJobs.map { order[$0.id]! }
            #expect(positions == positions.sorted())
        }

        #expect(try await queue.complete(reserved.map { (lease: $0.lease, result: "") }) == Array(repeating: true, count: 40))
        for job in jobs {
            #expect(try await queue.job(job.id)?.state == .succeeded)
        }
        let after = try await queue.statistics(of: name)
        #expect(after.succeeded == 40 && after.depth == 0 && after.running == 0)
    }

    @Test func aPausedShardedQueueGivesNothingFromAnyShardUntilResumed() async throws {
        let name = TestEnvironment.uniqueQueue("sharded-pause")
        let queue = queue(name, shards: 3)
        try await queue.enqueue(jobs(9, in: name))
        try await queue.pause(name)
        for _ in 0..<3 {
            let reservation = try await queue.reserve(from: name, count: 9, lease: .seconds(30), worker: "w")
            #expect(reservation.paused && reservation.jobs.isEmpty)
        }
        #expect(try await queue.statistics(of: name).paused)
        try await queue.resume(name)
        var taken = 0
        for _ in 0..<3 { taken += try await queue.reserve(from: name, count: 9, lease: .seconds(30), worker: "w").jobs.count }
        #expect(taken == 9)
    }

    @Test func theDeadOfAllShardsArePagedNewestFirstAndRetriedById() async throws {
        let name = TestEnvironment.uniqueQueue("sharded-dead")
        let queue = queue(name, shards: 4)
        try await queue.enqueue(jobs(12, in: name))
        var buried: [JobID] = []
        while true {
            let taken = try await queue.reserve(from: name, count: 1, lease: .seconds(30), worker: "w").jobs
            guard let job = taken.first else { break }
            #expect(try await queue.fail(job.lease, error: "broken", retryIn: .zero, permanent: true) == .dead)
            buried.append(job.id)
        }
        #expect(buried.count == 12)
        #expect(try await queue.statistics(of: name).dead == 12)
        let firstPage = try await queue.deadJobs(in: name, offset: 0, limit: 5)
        let secondPage = try await queue.deadJobs(in: name, offset: 5, limit: 10)
        #expect(firstPage.count == 5 && secondPage.count == 7)
        let paged = (firstPage + secondPage).map(\.id)
        #expect(Set(paged) == Set(buried))
        let diedAt = (firstPage + secondPage).map { $0.finishedAt!.microseconds }
        #expect(diedAt == diedAt.sorted(by: >))

        #expect(try await queue.retryDead(buried[0]))
        #expect(try await queue.job(buried[0])?.state == .queued)
        #expect(try await queue.discardDead(buried[1]))
        #expect(try await queue.job(buried[1]) == nil)
    }

    @Test func aShardedQueuesLengthLimitIsSplitOverItsShardsAndReportedWhole() async throws {
        let name = TestEnvironment.uniqueQueue("sharded-full")
        let queue = queue(name, shards: 2, limit: 4)
        // Each shard takes 2; a batch of 40 fills both past that.
        await #expect {
            try await queue.enqueue(jobs(40, in: name))
        } throws: { error in
            guard case .queueFull(let full, _, let limit) = error as? QueueError else { return false }
            return full == name && limit == 4
        }
        #expect(try await queue.statistics(of: name).depth <= 4)
    }

    @Test func shardCountsAreRecordedOnceAndAProcessThatDisagreesIsStopped() async throws {
        let name = TestEnvironment.uniqueQueue("sharded-declared")
        let declared = try await queue(name, shards: 4).checkingShards()
        #expect(declared.shards(of: name).count == 4)
        // A process that declares nothing takes the recorded count on.
        let adopting = try await JobQueue(redis: redis).checkingShards()
        #expect(adopting.shards(of: name).count == 4)
        await #expect {
            _ = try await queue(name, shards: 8).checkingShards()
        } throws: { error in
            "\(error)".contains("queue '\(name)' cannot have the shards CONVEYOR_QUEUE_SHARDS") && "\(error)".contains("recorded with 4 shards")
        }

        // A queue that holds jobs unsharded cannot become sharded: its shards would never reach them.
        let plain = TestEnvironment.uniqueQueue("sharded-plain")
        try await JobQueue(redis: redis).enqueue(jobs(1, in: plain))
        await #expect {
            _ = try await queue(plain, shards: 4).checkingShards()
        } throws: { error in
            "\(error)".contains("holds jobs as a queue of one shard")
        }
        #expect(try await JobQueue(redis: redis).checkingShards().shards(of: plain).count == 1)
    }
}
