import ConveyorCore
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Testing

/// The job outbox's entries against real PostgreSQL and Redis: what a relay sends late is
/// what the transaction recorded.
@Suite struct JobOutboxTests {
    @Test func anEntrySentByALaterRelayKeepsTheTraceItWasRecordedIn() async throws {
        try await OutboxFixture.with("jobtrace") { fixture in
            let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            var member = JobRequest(kind: "noop", queue: fixture.queueName, tenant: "acme")
            member.traceContext = trace
            var onComplete = JobRequest(kind: "noop", queue: fixture.queueName, tenant: "acme")
            onComplete.traceContext = trace
            let batch = JobOutbox.Batch(id: BatchID(), tenant: "acme", onComplete: onComplete)
            try await fixture.pool.withConnection { connection in
                _ = try await JobOutbox.record([member], as: batch, on: connection)
            }
            #expect(try await JobOutbox(pool: fixture.pool, queue: fixture.queue).deliverPending() == JobOutbox.Pass(sent: 1, failed: 0))

            let taken = try await fixture.queue.reserve(from: fixture.queueName, count: 5, lease: .seconds(15), worker: "w1").jobs
            #expect(taken.map(\.id) == [member.id])
            #expect(taken.first?.traceContext == trace)
            _ = try await fixture.queue.complete(taken.map { (lease: $0.lease, result: "") })
            _ = try await fixture.queue.relayBatchOutcomes(in: QueueShard(fixture.queueName))
            let callback = try await fixture.queue.reserve(from: fixture.queueName, count: 5, lease: .seconds(15), worker: "w1").jobs
            #expect(callback.count == 1)
            #expect(callback.first?.traceContext == trace)
        }
    }

    @Test func anEntryKeepsItsJobsPrioritiesDeadlinesUniqueLocksAndCorrelation() async throws {
        try await OutboxFixture.with("joboptions") { fixture in
            var job = JobRequest(kind: "noop", payload: #"{"n":1}"#, queue: fixture.queueName, requestID: "req-options", tenant: "acme")
            job.priority = 7
            job.deadline = Timestamp.localNow + .seconds(3_600)
            job.correlationID = "corr-options"
            let uniqueness = JobUniqueness(scope: .untilFinished, key: JobUniqueness.key(tenant: "acme", kind: "noop", payload: job.payload))
            job.uniqueness = uniqueness
            try await fixture.pool.withConnection { connection in
                _ = try await JobOutbox.record([job], on: connection)
            }
            #expect(try await JobOutbox(pool: fixture.pool, queue: fixture.queue).deliverPending() == JobOutbox.Pass(sent: 1, failed: 0))

            let record = try #require(try await fixture.queue.job(job.id))
            #expect(record.priority == 7 && record.deadline == job.deadline && record.correlationID == "corr-options")
            var twin = JobRequest(kind: "noop", payload: job.payload, queue: fixture.queueName, tenant: "acme")
            twin.uniqueness = uniqueness
            #expect(try await fixture.queue.enqueue([twin]).uniqueHits == [twin.id: job.id], "the delivered job holds its unique lock")
        }
    }
}
