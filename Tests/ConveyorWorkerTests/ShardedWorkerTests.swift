import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

/// Worker processes on a sharded queue: they take from every shard, the blocking watch of each
/// shard included, retry and bury there, and a worker killed mid-job loses none of them.
@Suite(.serialized) struct ShardedWorkerTests {
    @Test func workersDrainEveryShardAndRecoverAKilledWorkersJobs() async throws {
        let harness = try WorkerHarness("sharded-work", shards: 6)
        let first = try await harness.startWorker(concurrency: 10, lease: 2)
        try await harness.startWorker(concurrency: 10, lease: 2)
        let quick = try await harness.enqueue("noop", count: 300)
        #expect(try await harness.waitUntil(quick, are: .succeeded, timeout: .seconds(30)))

        // Jobs enqueued once the workers are idle reach them through the shards' watchers.
        let idle = try await harness.enqueue("noop", count: 12)
        #expect(try await harness.waitUntil(idle, are: .succeeded, timeout: .seconds(15)))

        // A job that fails goes to the dead set of its shard, and the queue's list shows it.
        let failing = try #require(try await harness.enqueue("drill.fail", payload: #"{"message":"always"}"#, maxAttempts: 2).first)
        #expect(try await harness.waitUntil([failing], are: .dead, timeout: .seconds(15)))
        #expect(try await harness.queue.deadJobs(in: harness.queueName).map(\.id) == [failing])

        // Slow jobs, one worker killed while it runs some: the other finishes them all.
        let slow = try await harness.enqueue("drill.sleep", payload: #"{"ms":1500}"#, count: 12, maxAttempts: 3)
        let running = try await eventually(timeout: .seconds(10)) { try await harness.statistics().running >= 4 }
        #expect(running)
        first.signal(SIGKILL)
        #expect(try await harness.waitUntil(slow, are: .succeeded, timeout: .seconds(40)))
        let statistics = try await harness.statistics()
        #expect(statistics.succeeded == 312 + 12)
        #expect(statistics.depth == 0 && statistics.running == 0)
    }
}
