import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Logging
import Testing

/// Faults against real worker processes: kill -9, SIGSTOP past the lease (with a fenced
/// transaction open, too), SIGTERM during work, a Redis restart.
@Suite(.serialized) struct WorkerFaultTests {
    @Test func aKilledWorkersJobsAreFinishedByAnotherWithinTheLease() async throws {
        let harness = try WorkerHarness("kill9")
        let lease = 3.0
        let victim = try await harness.startWorker(concurrency: 8, lease: lease)
        // Long enough that the victim cannot finish them while the survivor starts on a loaded machine.
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":12000}"#, count: 8)
        let allTaken = try await eventually(timeout: .seconds(10)) {
            try await harness.queue.statistics(of: harness.queueName).running == 8
        }
        try #require(allTaken)
        try #require(try await harness.waitUntilConfirmed(ids))
        let survivor = try await harness.startWorker(concurrency: 8, lease: lease)
        victim.signal(SIGKILL)

        // The lease, the 12 s job again, and slack for a loaded machine; the drills measure how
        // soon recovery comes.
        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(40)))
        // The victim's attempt counted, and the survivor's came after it (a survivor slowed past
        // its own lease's renewal would make a third).
        let records = try await harness.records(ids)
        #expect(records.allSatisfy { $0.attempt >= 2 }, "attempts: \(records.map(\.attempt))")
        let finished = try await survivor.attemptLines(atLeast: 8).filter { ($0["outcome"] as? String) == "succeeded" }
        #expect(Set(finished.compactMap { $0["job_id"] as? String }) == Set(ids.map(\.description)))
    }

    @Test func aWorkerThatLostItsLeaseCannotFinishTheJob() async throws {
        let harness = try WorkerHarness("sigstop")
        let paused = try await harness.startWorker(concurrency: 1, lease: 2)
        let id = try #require(try await harness.enqueue("drill.sleep", payload: #"{"ms":3000}"#).first)
        let other = try await Self.stop(paused, once: id, runsUntilAnotherWorkerTakesIt: harness)
        paused.signal(SIGCONT)

        #expect(try await harness.waitUntil([id], are: .succeeded, timeout: .seconds(15)))
        let refused = try await eventually(timeout: .seconds(10)) {
            paused.attemptLines.contains { ($0["outcome"] as? String) == "lease_lost" }
        }
        #expect(refused, "the resumed worker did not report its attempt as fenced off: \(paused.output)")
        #expect(!paused.attemptLines.contains { ($0["outcome"] as? String) == "succeeded" })
        #expect(try await other.attemptLines(atLeast: 1).contains { ($0["outcome"] as? String) == "succeeded" && ($0["attempt"] as? Int) == 2 })
        let record = try #require(try await harness.queue.job(id))
        #expect(record.result?.contains(#""attempt":2"#) == true)
    }

    @Test func aStoppedWorkerThatResumesInsideItsFencedTransactionCannotCommitIt() async throws {
        let harness = try WorkerHarness("fence")
        // Its transactions wait 8 s on purpose, past the lease that would otherwise bound their idle time.
        let longTransactions = ["--transaction-idle-limit", "30"]
        let paused = try await harness.startWorker(concurrency: 1, lease: 2, options: longTransactions)
        // Stubborn: once resumed, the attempt sleeps on to its commit although its worker
        // stops it for the lost lease; only the fence keeps it from committing.
        let id = try #require(try await harness.enqueue("drill.ledger", payload: #"{"ms":8000,"stubborn":true}"#).first)
        let other = try await Self.stop(paused, once: id, runsUntilAnotherWorkerTakesIt: harness, options: longTransactions)
        // The newer attempt has begun its transaction: the stopped one's would overlap it.
        try await Task.sleep(for: .milliseconds(500))
        paused.signal(SIGCONT)

        let returned = try await eventually(timeout: .seconds(15)) {
            paused.logLines.contains { ($0["msg"] as? String) == "a zombie attempt returned; its slot is free again" }
        }
        try #require(returned, "the resumed attempt did not run on to its end: \(paused.output)")
        #expect(try await harness.waitUntil([id], are: .succeeded, timeout: .seconds(15)))
        #expect(try await other.attemptLines(atLeast: 1).contains { ($0["outcome"] as? String) == "succeeded" })
        let configuration = try PostgresConfiguration(url: TestEnvironment.databaseURL())
        let pool = PostgresPool(configuration: configuration, logger: Logger(label: "test"))
        let committed = try await pool.withConnection { connection in
            try await connection.query("SELECT token FROM drill_ledger WHERE job_id = $1 ORDER BY token", [id.description])
                .rows.map { try $0.decode("token", as: Int64.self) }
        }
        await pool.shutdown()
        #expect(committed == [2], "attempts that committed their ledger row, by token")
    }

    @Test func sigtermLetsRunningJobsFinishAndHandsBackTheRest() async throws {
        let harness = try WorkerHarness("sigterm")
        let worker = try await harness.startWorker(concurrency: 4, drainTimeout: 2)
        let short = try await harness.enqueue("drill.sleep", payload: #"{"ms":700}"#, count: 2)
        let long = try await harness.enqueue("drill.sleep", payload: #"{"ms":30000}"#, count: 2)
        try #require(try await harness.waitUntil(short + long, are: .running, timeout: .seconds(10)))
        worker.signal(SIGTERM)
        let status = try await worker.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "worker exit status: \(String(describing: status)); output: \(worker.output)")
        #expect(try await harness.states(short) == [.succeeded, .succeeded])
        let handedBack = try await harness.records(long)
        #expect(handedBack.map(\.state) == [.queued, .queued])
        #expect(handedBack.allSatisfy { $0.attempt == 0 })
        #expect(worker.attemptLines.filter { ($0["outcome"] as? String) == "handed_back" }.count == 2, "output: \(worker.output)")
        #expect(try await harness.queue.statistics(of: harness.queueName).depth == 2)
    }

    @Test func workersRideOutARedisRestartWithoutLosingJobs() async throws {
        let redis = try await PrivateRedis()
        let harness = try WorkerHarness("restart", redisURL: redis.url)
        let worker = try await harness.startWorker(concurrency: 10)
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":30}"#, count: 400)
        let underway = try await eventually(timeout: .seconds(20)) {
            try await harness.queue.statistics(of: harness.queueName).succeeded >= 50
        }
        try #require(underway)
        try await redis.stop()
        try await Task.sleep(for: .seconds(1))
        try await redis.start()

        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(40)), "output: \(worker.output.suffix(3000))")
        #expect(worker.process.isRunning)
        let statistics = try await harness.queue.statistics(of: harness.queueName)
        #expect(statistics.dead == 0 && statistics.depth == 0 && statistics.running == 0)
    }

    @Test func sigtermEndsTheWorkerEvenWhileRedisIsDownAndNoJobIsLost() async throws {
        let redis = try await PrivateRedis()
        let harness = try WorkerHarness("sigterm-outage", redisURL: redis.url)
        let worker = try await harness.startWorker(concurrency: 4, lease: 3, drainTimeout: 1)
        let ids = try await harness.enqueue("drill.sleep", payload: #"{"ms":800}"#, count: 4)
        try #require(try await harness.waitUntil(ids, are: .running, timeout: .seconds(10)))
        try await redis.stop()
        worker.signal(SIGTERM)
        let status = try await worker.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "worker exit status: \(String(describing: status)); output: \(worker.output.suffix(2000))")

        try await redis.start()
        try await harness.startWorker(concurrency: 4, lease: 3)
        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(30)))
    }

    /// Stops `worker` (SIGSTOP) once it runs `id`, and starts another worker (lease 2 s),
    /// which takes the job over when the stopped one's lease ends; returns the other.
    private static func stop(
        _ worker: ConveyorProcess, once id: JobID, runsUntilAnotherWorkerTakesIt harness: WorkerHarness, options: [String] = []
    ) async throws -> ConveyorProcess {
        try #require(try await harness.waitUntil([id], are: .running, timeout: .seconds(10)))
        try #require(try await harness.waitUntilConfirmed([id]))
        worker.signal(SIGSTOP)
        let other = try await harness.startWorker(concurrency: 1, lease: 2, options: options)
        let retaken = try await eventually(timeout: .seconds(10)) {
            try await harness.queue.job(id)?.attempt == 2
        }
        try #require(retaken, "the job was not recovered from the stopped worker")
        return other
    }
}
