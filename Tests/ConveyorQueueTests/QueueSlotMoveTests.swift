import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Logging
import Testing

/// A queue whose Redis Cluster slot moves to another master while its jobs are mid-way.
@Suite(.serialized) struct QueueSlotMoveTests {
    @Test func aScriptOnAQueueWhoseSlotIsMovingWaitsForTheMoveAndLosesNothing() async throws {
        let cluster = try await PrivateCluster()
        var configuration = try RedisConfiguration(url: cluster.url)
        configuration.poolSize = 2
        let redis = RedisClient(configuration: configuration, logger: Logger(label: "test"))
        let queue = JobQueue(redis: redis)
        let name = TestEnvironment.uniqueQueue("moving")
        let jobs = (0..<4).map { JobRequest(kind: "noop", payload: #"{"n":\#($0)}"#, queue: name) }
        try await queue.enqueue(jobs)
        // One job done, so that each key complete.lua declares exists.
        let taken = try await queue.reserve(from: name, count: 3, lease: .seconds(60), worker: "w").jobs
        #expect(try await queue.complete([(lease: taken[0].lease, result: "")]) == [true])
        let reserved = Array(taken.dropFirst())
        #expect(reserved.count == 2)

        // The move has taken the running jobs' hashes to the new master, not yet the queue's lists.
        let slot = RedisKeySlot.of("conveyor:{\(name.rawValue)}:ready")
        let from = try await cluster.owner(of: slot)
        let to = (from + 1) % cluster.nodes.count
        try await cluster.beginMoving(slot, from: from, to: to)
        try await cluster.migrate(reserved.map { "conveyor:{\(name.rawValue)}:job:\($0.id)" }, from: from, to: to)

        // Completing writes a result into a hash that has left: the cluster holds the script back.
        let completing = Task { try await queue.complete(reserved.map { (lease: $0.lease, result: #"{"done":true}"#) }) }
        try await Task.sleep(for: .milliseconds(500))
        try await cluster.finishMoving(slot, from: from, to: to)
        #expect(try await completing.value == [true, true])

        for job in reserved {
            let record = try #require(try await queue.job(job.id))
            #expect(record.state == .succeeded)
            #expect(record.result == #"{"done":true}"#)
        }
        let rest = try await queue.reserve(from: name, count: 10, lease: .seconds(60), worker: "w").jobs
        #expect(rest.map(\.id) == [jobs[3].id])
        await redis.shutdown()
    }
}
