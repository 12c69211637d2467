import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// A unique job's lock across a worker's `kill -9`: it holds while the job is unfinished —
/// running on the killed worker, then waiting to be recovered — and is free the moment the
/// job ends, which a dead worker's job does once its lease has expired.
@Suite(.serialized) struct UniqueJobFaultTests {
    @Test func theLockOfAKilledWorkersJobHoldsUntilTheJobEndsAndNoLonger() async throws {
        let harness = try WorkerHarness("unique-kill", shards: 1)
        func unique() -> JobRequest {
            var job = JobRequest(kind: "drill.sleep", payload: #"{"ms": 60000, "key": "k"}"#, queue: harness.queueName, maxAttempts: 1, tenant: "acme")
            job.uniqueness = JobUniqueness(scope: .untilFinished, key: JobUniqueness.key(tenant: "acme", kind: "drill.sleep", payload: job.payload, fields: ["key"]))
            return job
        }
        let holder = unique()
        try await harness.queue.enqueue([holder])
        let doomed = try await harness.startWorker(concurrency: 2, lease: 2)
        #expect(try await harness.waitUntilConfirmed([holder.id]))
        doomed.signal(SIGKILL)
        let whileRunning = unique()
        #expect(try await harness.queue.enqueue([whileRunning]).uniqueHits[whileRunning.id] == holder.id, "the lock let go of a job still running")

        // A worker recovers the job once its lease has expired; with its one attempt spent, it dies.
        try await harness.startWorker(concurrency: 2, lease: 2)
        #expect(try await harness.waitUntil([holder.id], are: .dead, timeout: .seconds(30)))
        let afterEnd = unique()
        let result = try await harness.queue.enqueue([afterEnd])
        #expect(result.created == 1 && result.uniqueHits.isEmpty, "the lock outlived its job")
        _ = try await harness.queue.cancel(afterEnd.id)
    }
}
