import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

/// The kinds' limits and a job's deadline, through real worker processes: the limits hold
/// across two workers, a job over one waits without spending an attempt, and a dead worker's
/// slots come back.
@Suite(.serialized) struct KindLimitTests {
    /// Each attempt's run, from the timing lines: when it began and ended (the line's time, less its run).
    private func runs(_ lines: [[String: Any]]) -> [(start: Double, end: Double)] {
        lines.compactMap { line in
            guard line["outcome"] as? String == "succeeded", let stamp = line["ts"] as? String,
                let end = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(stamp), let run = line["run_ms"] as? Double
            else { return nil }
            return (end.timeIntervalSince1970 - run / 1000, end.timeIntervalSince1970)
        }
    }

    @Test func atMostTwoJobsOfOneAccountRunAtOnceAcrossTwoWorkers() async throws {
        let harness = try WorkerHarness("limit-slots")
        let first = try await harness.startWorker(concurrency: 4)
        let second = try await harness.startWorker(concurrency: 4)
        let account = harness.queueName.rawValue
        let ids = try await harness.enqueue("drill.exclusive", payload: #"{"ms": 300, "account": "\#(account)"}"#, count: 6)
        let other = try await harness.enqueue("drill.exclusive", payload: #"{"ms": 300, "account": "\#(account)-other"}"#, count: 2)
        #expect(try await harness.waitUntil(ids + other, are: .succeeded, timeout: .seconds(60)))
        // A worker writes its log every 100 ms: the last lines may come after the jobs succeeded.
        _ = try await eventually(timeout: .seconds(5)) { runs(first.attemptLines + second.attemptLines).count >= 8 }
        let lines = first.attemptLines + second.attemptLines
        let accountA = runs(lines.filter { line in ids.contains { $0.description == line["job_id"] as? String } })
        #expect(accountA.count == 6)
        // The most runs of account a under way at any run's start, a millisecond in.
        let most = accountA.map { run in accountA.filter { $0.start <= run.start + 0.001 && run.start + 0.001 < $0.end }.count }.max() ?? 0
        #expect(most <= 2, "\(most) jobs of one account ran at once")
        #expect(lines.contains { $0["outcome"] as? String == "deferred" }, "no job waited for a slot")
        for record in try await harness.records(ids) { #expect(record.attempt == 1, "waiting for a slot spent an attempt") }
    }

    @Test func aKilledWorkersSlotComesBackWhenItsLeaseEnds() async throws {
        let harness = try WorkerHarness("limit-kill")
        // An account of its own: a limit is shared by every queue, and so by every run of this test.
        let account = harness.queueName.rawValue
        let doomed = try await harness.startWorker(concurrency: 4, lease: 2)
        // One attempt each: recovered, they die rather than take the slots again.
        let held = try await harness.enqueue("drill.exclusive", payload: #"{"ms": 60000, "account": "\#(account)"}"#, count: 2, maxAttempts: 1)
        #expect(try await harness.waitUntilConfirmed(held))
        doomed.signal(SIGKILL)
        let survivor = try await harness.startWorker(concurrency: 4, lease: 2)
        let next = try await harness.enqueue("drill.exclusive", payload: #"{"ms": 10, "account": "\#(account)"}"#)
        #expect(try await harness.waitUntil(next, are: .succeeded, timeout: .seconds(30)), "the dead worker's slots never came back")
        _ = survivor
    }

    @Test func atMostFiveStartsOfATenantInAnySecond() async throws {
        let harness = try WorkerHarness("limit-rate")
        let first = try await harness.startWorker(concurrency: 8)
        let second = try await harness.startWorker(concurrency: 8)
        let ids = try await harness.enqueue("drill.throttled", payload: #"{"ms": 1}"#, count: 12)
        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(60)))
        _ = try await eventually(timeout: .seconds(5)) { runs(first.attemptLines + second.attemptLines).count >= 12 }
        let starts = runs(first.attemptLines + second.attemptLines).map(\.start).sorted()
        #expect(starts.count == 12)
        // Within any window a little short of a second (the processes' clocks read Redis's
        // through their own), no more than 5 started.
        let most = starts.map { start in starts.filter { $0 >= start && $0 < start + 0.95 }.count }.max() ?? 0
        #expect(most <= 5, "\(most) starts within a second")
        for record in try await harness.records(ids) { #expect(record.attempt == 1, "waiting for the window spent an attempt") }
    }

    @Test func aJobPastItsDeadlineIsCancelledUnrun() async throws {
        let harness = try WorkerHarness("deadline")
        var late = JobRequest(kind: "drill.sleep", payload: #"{"ms": 1}"#, queue: harness.queueName, maxAttempts: 1, tenant: "acme")
        late.deadline = Timestamp.localNow + .seconds(-1)
        var timely = JobRequest(kind: "drill.sleep", payload: #"{"ms": 1}"#, queue: harness.queueName, maxAttempts: 1, tenant: "acme")
        timely.deadline = Timestamp.localNow + .seconds(3600)
        try await harness.queue.enqueue([late, timely])
        let worker = try await harness.startWorker(concurrency: 2)
        #expect(try await harness.waitUntil([late.id], are: .cancelled, timeout: .seconds(15)))
        #expect(try await harness.waitUntil([timely.id], are: .succeeded, timeout: .seconds(15)))
        #expect(try await harness.queue.job(late.id)?.error?.contains("deadline") == true)
        let lines = try await worker.attemptLines(atLeast: 2)
        #expect(lines.contains { $0["job_id"] as? String == late.id.description && $0["outcome"] as? String == "expired" })
    }

    @Test func aBatchsCallbackRunsOnceItsJobsHaveRunOnWorkers() async throws {
        let harness = try WorkerHarness("batch-worker")
        try await harness.startWorker(concurrency: 4)
        try await harness.startWorker(concurrency: 4)
        let members = (0..<20).map { index in
            BatchRequest.Member(JobRequest(kind: "drill.sleep", payload: #"{"ms": \#(index % 5)}"#, queue: harness.queueName, maxAttempts: 1, tenant: "acme"))
        }
        let batch = BatchRequest(
            tenant: "acme", members: members + [BatchRequest.Member(JobRequest(kind: "drill.sleep", payload: #"{"ms": 1}"#, queue: harness.queueName, tenant: "acme"), after: [0, 19])],
            onComplete: JobRequest(kind: "drill.sleep", payload: #"{"ms": 1}"#, queue: harness.queueName, tenant: "acme")
        )
        try await harness.queue.createBatch(batch)
        let finished = try await eventually(timeout: .seconds(30), interval: .milliseconds(50)) {
            try await harness.queue.batchStatus(batch.id)?.onCompleteJob != nil
        }
        #expect(finished)
        let status = try #require(try await harness.queue.batchStatus(batch.id))
        #expect(status.state == .finished && status.succeeded == 21)
        let callback = try #require(status.onCompleteJob)
        #expect(try await harness.waitUntil([callback], are: .succeeded, timeout: .seconds(15)))
        #expect(try await harness.statistics().succeeded == 22)
    }
}
