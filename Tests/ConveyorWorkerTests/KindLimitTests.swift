import ConveyorCore
import ConveyorJobs
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
    /// When each of the jobs `ids` slept, as its result tells: the time it held its slot or
    /// its start, measured within the attempt (the timing line's times include the wait
    /// for the limit and for the completion's acknowledgement).
    private func sleepWindows(_ ids: [JobID], _ harness: WorkerHarness) async throws -> [DrillSleepWindow] {
        try await harness.records(ids).map { record in
            try JSONDecoder().decode(DrillSleepWindow.self, from: Data(try #require(record.result).utf8))
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
        let accountA = try await sleepWindows(ids, harness)
        #expect(accountA.count == 6)
        // The most of account a's jobs asleep at once: at any one's start, those that had started and not ended.
        let most = accountA.map { run in accountA.filter { $0.startedUs <= run.startedUs && run.startedUs < $0.endedUs }.count }.max() ?? 0
        #expect(most <= 2, "\(most) jobs of one account ran at once")
        // A worker writes its log every 100 ms: the last lines may come after the jobs succeeded.
        let deferred = try await eventually(timeout: .seconds(5)) {
            (first.attemptLines + second.attemptLines).contains { $0["outcome"] as? String == "deferred" }
        }
        #expect(deferred, "no job waited for a slot")
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

    @Test func aSlotHeldLongerThanALeaseStaysItsAttempts() async throws {
        let harness = try WorkerHarness("limit-renew")
        let account = harness.queueName.rawValue
        let worker = try await harness.startWorker(concurrency: 4, lease: 2)
        let long = try await harness.enqueue("drill.exclusive", payload: #"{"ms": 5000, "account": "\#(account)"}"#, count: 2)
        #expect(try await harness.waitUntilConfirmed(long))
        // Past the lease that the slots were first taken for: unrenewed, they would be free now.
        try await Task.sleep(for: .seconds(3))
        let late = try await harness.enqueue("drill.exclusive", payload: #"{"ms": 10, "account": "\#(account)"}"#)
        #expect(try await harness.waitUntil(long + late, are: .succeeded, timeout: .seconds(30)), "\(worker.output.suffix(2000))")
        let windows = try await sleepWindows(long + late, harness)
        let firstFreed = try #require(windows.prefix(2).map(\.endedUs).min())
        #expect(try #require(windows.last).startedUs >= firstFreed, "a third job ran beside the two that held the slots")
    }

    @Test func atMostFiveStartsOfATenantInAnySecond() async throws {
        let harness = try WorkerHarness("limit-rate")
        // Two workers share the limit; they run until the harness ends.
        let workers = [try await harness.startWorker(concurrency: 8), try await harness.startWorker(concurrency: 8)]
        let enqueuedUs = Timestamp.localNow.microseconds
        let ids = try await harness.enqueue("drill.throttled", payload: #"{"ms": 1}"#, count: 12)
        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(60)), "\(workers.map { $0.output.suffix(1000) })")
        let starts = try await sleepWindows(ids, harness).map(\.startedUs).sorted()
        #expect(starts.count == 12)
        // The limit lets 5 start in the first second from the enqueue and 5 more in the next, so 7
        // start a second or more after it and 2 two seconds or more after. A job starts after the
        // limit lets it, however late a loaded machine runs it, so these bounds hold whatever
        // the delays (one clock: Redis, the workers and this test share the machine's).
        let afterOne = starts.filter { $0 >= enqueuedUs + 999_000 }.count
        let afterTwo = starts.filter { $0 >= enqueuedUs + 1_999_000 }.count
        #expect(afterOne >= 7 && afterTwo >= 2, "starts after 1 s: \(afterOne), after 2 s: \(afterTwo), of \(starts.map { $0 - enqueuedUs })")
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
