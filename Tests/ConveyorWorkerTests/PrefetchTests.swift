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
        // Short, but long enough that the slots, not the share of the machine's CPU each
        // process gets, set each worker's pace.
        try await harness.enqueue("drill.sleep", payload: #"{"ms":5}"#, count: 2000)
        try #require(try await harness.waitUntilSucceeded(atLeast: 2000, timeout: .seconds(60)))
        let logged = try await eventually(timeout: .seconds(10)) { workers.reduce(0) { $0 + $1.succeededAttempts } >= 2000 }
        let counts = workers.map(\.succeededAttempts)
        #expect(logged && counts.reduce(0, +) == 2000, "each job ran once: \(counts)")
        let share = Double(counts[0]) / Double(counts.reduce(0, +))
        #expect((0.4...0.6).contains(share), "jobs run by each worker: \(counts)")
    }

    @Test func weightedQueuesKeepTheirWeights() async throws {
        let heavy = try WorkerHarness("weight-heavy")
        let light = try WorkerHarness("weight-light")
        try await heavy.enqueue("noop", count: 5000)
        try await light.enqueue("noop", count: 5000)
        let worker = try await heavy.startWorker(queues: "\(heavy.queueName):3,\(light.queueName):1")
        // The first 4,000 jobs it finished, in the order of its timing lines: both queues
        // were full throughout, since 3/4 of 4,000 is 3,000 of heavy's 5,000.
        let logged = try await eventually(timeout: .seconds(60)) { worker.succeededAttempts >= 4000 }
        try #require(logged, "the worker finished \(worker.succeededAttempts) jobs")
        let first = worker.attemptLines.filter { ($0["outcome"] as? String) == "succeeded" }.prefix(4000)
        let fromHeavy = first.count { ($0["job_id"] as? String)?.hasPrefix("\(heavy.queueName).") == true }
        let share = Double(fromHeavy) / Double(first.count)
        #expect((0.7...0.8).contains(share), "of the first 4,000 jobs, \(fromHeavy) from the queue of weight 3")
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
        // Token 2: the busy worker held the second long job in its buffer, then handed it
        // back. Token 1: it never took it (on a loaded machine its buffer may have stayed
        // empty), and the job waited in the queue; the idle worker took it either way.
        let lease = try await harness.leaseToken(of: long[1])
        #expect(["1", "2"].contains(lease), "taken more than once before it ran: token \(String(describing: lease))")
        #expect(!busy.attemptLines.contains { ($0["job_id"] as? String) == long[1].description })
    }

    @Test func jobsHeldInABufferSurviveKill9OfTheirWorker() async throws {
        let harness = try WorkerHarness("prefetch-kill9")
        let lease = 3.0
        let victim = try await harness.startWorker(concurrency: 4, lease: lease)
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":2}"#, count: 1000)
        try #require(try await Self.waitUntilBuffering(harness), "the worker never held more leases than its slots")
        victim.signal(SIGSTOP)
        // Whatever it had sent before it stopped has reached Redis.
        try await Task.sleep(for: .milliseconds(100))
        let held = try await harness.statistics().running
        try #require(held > 4, "the worker held \(held) leases when stopped")
        victim.signal(SIGKILL)
        try await harness.startWorker(concurrency: 10, lease: lease)

        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(lease + 20)))
        let statistics = try await harness.statistics()
        #expect(statistics.succeeded == 1000 && statistics.dead == 0 && statistics.running == 0)
        #expect(statistics.recovered >= held - 4, "held \(held), recovered \(statistics.recovered)")
        // Only an attempt that ran long enough to be confirmed (100 ms; a slow machine may
        // take that long over a 2 ms job) counts: at most the 4 running, never a held one.
        let attempts = try await harness.records(ids).map(\.attempt)
        #expect(attempts.allSatisfy { (1...2).contains($0) } && attempts.count { $0 == 2 } <= 4, "attempts: \(Dictionary(grouping: attempts) { $0 }.mapValues(\.count))")
    }

    @Test func sigtermHandsTheBufferBackAtOnceWithoutSpendingAttempts() async throws {
        let harness = try WorkerHarness("prefetch-sigterm")
        let worker = try await harness.startWorker(concurrency: 4, drainTimeout: 20)
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":2}"#, count: 1000)
        try #require(try await Self.waitUntilBuffering(harness), "the worker never held more leases than its slots")
        worker.signal(SIGTERM)
        let status = try await worker.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "worker exit status: \(String(describing: status)); output: \(worker.output.suffix(2000))")

        let after = try await harness.statistics()
        #expect(after.running == 0)
        #expect(after.depth + after.succeeded == 1000, "nothing lost: \(after)")
        let waiting = try await harness.records(ids).filter { $0.state == .queued }
        #expect(waiting.count == after.depth)
        #expect(waiting.allSatisfy { $0.attempt == 0 }, "handed back without spending an attempt")
        // A job gets its lease token when first reserved, so a waiting job that has one was
        // held in the buffer and handed back unrun. How many depends on when the signal
        // arrives; the worker keeps filling its buffer until then, so some always are.
        var handedBack = 0
        for record in waiting {
            if try await harness.leaseToken(of: record.id) != nil { handedBack += 1 }
        }
        #expect(handedBack > 0, "the buffered jobs went back unrun")
    }

    /// Waits until the harness's one worker (concurrency 4) holds well beyond its slots:
    /// leases for 4 running attempts, a few unsent completions, and a buffer.
    private static func waitUntilBuffering(_ harness: WorkerHarness) async throws -> Bool {
        try await eventually(timeout: .seconds(20), interval: .milliseconds(5)) { try await harness.statistics().running > 12 }
    }
}

extension ConveyorProcess {
    fileprivate var succeededAttempts: Int {
        attemptLines.count { ($0["outcome"] as? String) == "succeeded" }
    }
}
