import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// Prefetch and fetch order against real worker processes: two workers sharing short jobs,
/// weighted queues, a long job behind a buffer, and a full buffer at kill -9 and SIGTERM.
@Suite(.serialized) struct PrefetchTests {
    @Test func twoWorkersShareAQueueOfShortJobs() async throws {
        let harness = try WorkerHarness("share")
        let workers = [try await harness.startWorker(), try await harness.startWorker()]
        try await harness.enqueue("drill.sleep", payload: #"{"ms":1}"#, count: 3000)
        try #require(try await harness.waitUntilSucceeded(atLeast: 3000, timeout: .seconds(60)))
        let logged = try await eventually(timeout: .seconds(10)) { workers.reduce(0) { $0 + $1.succeededAttempts } >= 3000 }
        let counts = workers.map(\.succeededAttempts)
        #expect(logged && counts.reduce(0, +) == 3000, "each job ran once: \(counts)")
        let share = Double(counts[0]) / Double(counts.reduce(0, +))
        #expect((0.4...0.6).contains(share), "jobs run by each worker: \(counts)")
    }

    @Test func weightedQueuesKeepTheirWeights() async throws {
        let heavy = try WorkerHarness("weight-heavy")
        let light = try WorkerHarness("weight-light")
        try await heavy.enqueue("noop", count: 8000)
        try await light.enqueue("noop", count: 8000)
        try await heavy.startWorker(queues: "\(heavy.queueName):3,\(light.queueName):1")
        // Both queues stay full throughout: 3/4 of 6,000 is 4,500 of heavy's 8,000.
        let done = try await eventually(timeout: .seconds(60), interval: .milliseconds(10)) {
            try await heavy.statistics().succeeded + light.statistics().succeeded >= 6000
        }
        try #require(done)
        let (fromHeavy, fromLight) = (try await heavy.statistics().succeeded, try await light.statistics().succeeded)
        let share = Double(fromHeavy) / Double(fromHeavy + fromLight)
        #expect((0.7...0.8).contains(share), "jobs run from the queue of weight 3 and of weight 1: \(fromHeavy), \(fromLight)")
    }

    @Test func aLongJobDoesNotWaitBehindABufferWhileAnotherWorkerIsIdle() async throws {
        let harness = try WorkerHarness("long-behind")
        let busy = try await harness.startWorker(concurrency: 1)
        // Short jobs first, so that the worker buffers; then two long ones and more short
        // ones, so that the second long one lands in its buffer behind the first.
        try await harness.enqueue("noop", count: 500)
        let long = try await harness.enqueue("drill.sleep", payload: #"{"ms":6000}"#, count: 2)
        try await harness.enqueue("noop", count: 200)
        try #require(try await harness.waitUntil([long[0]], are: .running, timeout: .seconds(20)))
        let idle = try await harness.startWorker(concurrency: 1)

        let takenOver = try await eventually(timeout: .seconds(2), interval: .milliseconds(20)) {
            try await harness.records([long[1]]).first?.worker?.contains(":\(idle.pid):") == true
        }
        let second = try await harness.records([long[1]])
        #expect(takenOver, "the second long job waited behind the first: \(second)")
        #expect(try await harness.states([long[0]]) == [.running], "the first long job is still running")
        let lease = try await harness.redis.send(RedisCommand("HGET", .string("conveyor:{\(harness.queueName)}:job:\(long[1])"), "lease"))
        #expect(lease.string == "2", "the busy worker held the second long job once, then handed it back: token \(lease)")
        #expect(!busy.attemptLines.contains { ($0["job_id"] as? String) == long[1].description })
    }

    @Test func jobsHeldInABufferSurviveKill9OfTheirWorker() async throws {
        let harness = try WorkerHarness("prefetch-kill9")
        let lease = 3.0
        let victim = try await harness.startWorker(concurrency: 4, lease: lease)
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":2}"#, count: 2000)
        try #require(try await harness.waitUntilSucceeded(atLeast: 200, timeout: .seconds(20)))
        victim.signal(SIGSTOP)
        let held = try await harness.statistics().running
        // Beyond its 4 running attempts and a few unsent completions: a buffer.
        try #require(held > 20, "the worker held \(held) leases when stopped")
        victim.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        try await harness.startWorker(concurrency: 10, lease: lease)

        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(lease + 20)))
        #expect(killedAt.duration(to: .now) < .seconds(lease + 10))
        let statistics = try await harness.statistics()
        #expect(statistics.succeeded == 2000 && statistics.dead == 0 && statistics.running == 0)
        #expect(statistics.recovered >= held - 4, "held \(held), recovered \(statistics.recovered)")
        let attempts = Set(try await harness.records(ids).map(\.attempt))
        #expect(attempts == [1], "no held job spent an attempt: attempts seen \(attempts)")
    }

    @Test func sigtermHandsTheBufferBackAtOnceWithoutSpendingAttempts() async throws {
        let harness = try WorkerHarness("prefetch-sigterm")
        let worker = try await harness.startWorker(concurrency: 4, drainTimeout: 20)
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":2}"#, count: 2000)
        try #require(try await harness.waitUntilSucceeded(atLeast: 200, timeout: .seconds(20)))
        worker.signal(SIGSTOP)
        let before = try await harness.statistics()
        // Beyond its 4 running attempts and a few unsent completions: a buffer.
        try #require(before.running > 20, "the worker held \(before.running) leases when stopped")
        worker.signal(SIGTERM)
        worker.signal(SIGCONT)
        let status = try await worker.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "worker exit status: \(String(describing: status)); output: \(worker.output.suffix(2000))")

        let after = try await harness.statistics()
        #expect(after.running == 0)
        #expect(after.depth + after.succeeded == 2000, "nothing lost: \(after)")
        // The running attempts finished and their completions were written; the buffered
        // jobs went back unrun.
        #expect(after.succeeded - before.succeeded <= 12, "succeeded while stopping: \(after.succeeded - before.succeeded) of \(before.running) held")
        let waiting = try await harness.records(ids).filter { $0.state == .queued }
        #expect(waiting.count == after.depth)
        #expect(waiting.allSatisfy { $0.attempt == 0 }, "handed back without spending an attempt")
    }
}

extension ConveyorProcess {
    fileprivate var succeededAttempts: Int {
        attemptLines.count { ($0["outcome"] as? String) == "succeeded" }
    }
}
