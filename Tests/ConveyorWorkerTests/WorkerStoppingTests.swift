import ConveyorCore
import ConveyorQueue
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

/// Attempts ended from outside against real worker processes: a lost reserve reply, a
/// worker cut from Redis, a cancel, a kind that ignores being told to stop.
@Suite(.serialized) struct WorkerStoppingTests {
    /// The harness's Redis behind a relay that a test can cut, or make lose a reply.
    private static func relay(for harness: WorkerHarness) throws -> TCPRelay {
        let port = try #require(URLComponents(string: harness.redisURL)?.port)
        return try TCPRelay(toPort: UInt16(port))
    }

    /// A relay in front of one server: a cluster's client follows the slot map to the nodes'
    /// own addresses, past it (ops/drill/cluster cuts a cluster's masters instead).
    private static let behindOneServer = Testing.ConditionTrait.enabled(
        if: !TestEnvironment.redisIsCluster, "the relay stands in front of one Redis server, not a cluster")

    @Test(behindOneServer) func aReserveWhoseReplyIsLostDoesNotSpendTheJobsLastAttempt() async throws {
        let harness = try WorkerHarness("lost-reserve")
        let relay = try Self.relay(for: harness)
        defer { relay.cut() }
        _ = try await harness.startWorker(concurrency: 1, lease: 2, redisURL: "redis://127.0.0.1:\(relay.port)/0")
        // Only the reserve's reply carries the payload: the worker never sees the job it took.
        let tag = "lost-\(UUID().uuidString)"
        relay.loseReply(containing: tag)
        let id = try #require(try await harness.enqueue("drill.sleep", payload: #"{"ms":10,"tag":"\#(tag)"}"#, maxAttempts: 1).first)

        let succeeded = try await harness.waitUntil([id], are: .succeeded, timeout: .seconds(20))
        let records = try await harness.records([id])
        #expect(succeeded, "\(records)")
        #expect(try await harness.queue.job(id)?.attempt == 1)
    }

    @Test(behindOneServer) func aWorkerCutFromRedisStopsItsAttemptBeforeAnotherWorkerTakesTheJob() async throws {
        let harness = try WorkerHarness("cut-off")
        let relay = try Self.relay(for: harness)
        defer { relay.cut() }
        let cutOff = try await harness.startWorker(concurrency: 1, lease: 3, redisURL: "redis://127.0.0.1:\(relay.port)/0")
        let id = try #require(try await harness.enqueue("drill.sleep", payload: #"{"ms":8000}"#, maxAttempts: 3).first)
        try #require(try await harness.waitUntil([id], are: .running, timeout: .seconds(10)))
        try #require(try await harness.waitUntilConfirmed([id]))
        let other = try await harness.startWorker(concurrency: 1, lease: 3)
        relay.cut()

        #expect(try await harness.waitUntil([id], are: .succeeded, timeout: .seconds(30)))
        let stopped = try await eventually(timeout: .seconds(10)) {
            cutOff.attemptLines.contains { ($0["outcome"] as? String) == "lease_lost" }
        }
        try #require(stopped, "the cut-off worker did not stop its attempt: \(cutOff.output)")
        let stop = try #require(cutOff.attemptLines.first { ($0["outcome"] as? String) == "lease_lost" })
        #expect((stop["error"] as? String)?.contains("not renewed") == true, "\(stop)")
        let retry = try #require(try await other.attemptLines(atLeast: 1).first { ($0["outcome"] as? String) == "succeeded" })
        #expect(retry["attempt"] as? Int == 2)
        // The first attempt stopped before the second started: the two never ran at once.
        let stoppedAt = try #require(Self.time(of: stop))
        let retryStartedAt = try #require(try await harness.queue.job(id)?.startedAt)
        #expect(stoppedAt < retryStartedAt.date, "stopped at \(stoppedAt), the retry started at \(retryStartedAt)")
        #expect(!cutOff.attemptLines.contains { ($0["outcome"] as? String) == "succeeded" })
    }

    @Test func aRunningJobThatIsCancelledStopsAndNeverRunsAgain() async throws {
        let harness = try WorkerHarness("cancel-running")
        let worker = try await harness.startWorker(concurrency: 2, lease: 3)
        let id = try #require(try await harness.enqueue("drill.sleep", payload: #"{"ms":30000}"#, maxAttempts: 5).first)
        try #require(try await harness.waitUntil([id], are: .running, timeout: .seconds(10)))

        #expect(try await harness.queue.cancel(id) == .cancelledWhileRunning)
        let stopped = try await eventually(timeout: .seconds(5)) {
            worker.attemptLines.contains { ($0["outcome"] as? String) == "cancelled" && ($0["job_id"] as? String) == id.description }
        }
        #expect(stopped, "the worker did not stop the cancelled attempt: \(worker.output)")
        // Nothing brings it back: not its worker's report, not the recoverer.
        try await Task.sleep(for: .seconds(4))
        let record = try #require(try await harness.queue.job(id))
        #expect(record.state == .cancelled)
        #expect(record.attempt == 1)
        #expect(try await harness.queue.statistics(of: harness.queueName).running == 0)
        #expect(worker.attemptLines.count == 1, "\(worker.attemptLines)")
    }

    @Test func anAttemptThatIgnoresItsTimeoutIsAZombieThatKeepsItsSlotAndStopsTheWorkerPastTheLimit() async throws {
        let harness = try WorkerHarness("zombie")
        let worker = try await harness.startWorker(concurrency: 2, lease: 3, options: ["--zombie-limit", "0"])
        let zombie = try #require(
            try await harness.enqueue("drill.sleep", payload: #"{"ms":6000,"stubborn":true}"#, maxAttempts: 1, timeout: .milliseconds(300)).first
        )
        let counted = try await eventually(timeout: .seconds(10)) {
            worker.attemptLines.contains { ($0["outcome"] as? String) == "zombie" && ($0["job_id"] as? String) == zombie.description }
        }
        try #require(counted, "no zombie line: \(worker.output)")
        #expect(worker.logLines.contains { ($0["msg"] as? String)?.hasPrefix("taking no more jobs") == true })
        let shown = try await eventually(timeout: .seconds(5)) {
            try await WorkerDirectory.list(from: harness.redis).contains { $0.zombies == 1 }
        }
        #expect(shown, "the worker's entry does not show its zombie")
        // Past its limit, the worker leaves new jobs to others while the zombie runs.
        let waiting = try #require(try await harness.enqueue("noop").first)
        try await Task.sleep(for: .seconds(1))
        #expect(try await harness.queue.job(waiting)?.state == .queued)

        #expect(try await harness.waitUntil([waiting], are: .succeeded, timeout: .seconds(15)))
        let returned = try await eventually(timeout: .seconds(5)) {
            worker.logLines.contains { ($0["msg"] as? String) == "a zombie attempt returned; its slot is free again" }
        }
        #expect(returned)
        #expect(try await harness.queue.job(zombie)?.state == .dead)
    }

    /// When a log line was written, from its `ts`.
    private static func time(of line: [String: Any]) -> Date? {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (line["ts"] as? String).flatMap(format.date)
    }
}
