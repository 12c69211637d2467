import ConveyorCore
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Synchronization
import Testing

@Suite struct ApplicationOutboxTests {
    @Test func concurrentTransactionsHalfRolledBackBecomeJobsOnceThroughSeveralRelays() async throws {
        try await OutboxFixture.with("concurrent") { fixture async throws in
            let relayPools = try (1...3).map { _ in try fixture.separatePool() }
            let stop = Flag()
            // Three relays take rows while forty transactions insert theirs, half of them to
            // roll back after a pause in which the relays run over their uncommitted rows.
            let (committed, rolledBack) = try await withThrowingTaskGroup(of: (committed: [UUID], rolledBack: [UUID]).self) { group in
                for pool in relayPools {
                    group.addTask {
                        let outbox = fixture.relay(pool: pool)
                        while !stop.isSet {
                            if try await outbox.relay(limit: 7).taken == 0 { try await Task.sleep(for: .milliseconds(2)) }
                        }
                        return ([], [])
                    }
                }
                let producers = Task {
                    try await withThrowingTaskGroup(of: (committed: [UUID], rolledBack: [UUID]).self) { producers in
                        for n in 0..<40 {
                            producers.addTask {
                                let commit = n % 2 == 0
                                let ids = try await fixture.insertNoops(5, commit: commit, pause: .milliseconds(Int64.random(in: 0...30)))
                                return commit ? (ids, []) : ([], ids)
                            }
                        }
                        var all: (committed: [UUID], rolledBack: [UUID]) = ([], [])
                        for try await ids in producers {
                            all.committed += ids.committed
                            all.rolledBack += ids.rolledBack
                        }
                        return all
                    }
                }
                let produced = try await producers.value
                try await fixture.drain(fixture.relay())
                stop.set()
                try await group.waitForAll()
                return produced
            }
            #expect(committed.count == 100)
            #expect(rolledBack.count == 100)
            try await fixture.expectExactlyOnce(committed: committed, rolledBack: rolledBack)
            for pool in relayPools { await pool.shutdown() }
        }
    }

    @Test func aRowThatCanNeverBecomeAJobIsMarkedFailedAndTheOthersGoOn() async throws {
        try await OutboxFixture.with("bad") { fixture async throws in
            let queue = fixture.queueName.rawValue
            let rows: [(kind: String, payload: String, queue: String, tenant: String)] = [
                ("noop", "{}", queue, "acme"),
                ("resize", "{}", queue, "acme"),
                ("drill.ledger", "{\"ms\": -1}", queue, "acme"),
                ("noop", "[]", queue, "acme"),
                ("noop", "{}", "Not A Queue", "acme"),
                ("noop", "{}", queue, "ac\nme"),
                ("noop", "{}", queue, "acme"),
            ]
            var ids: [UUID] = []
            for row in rows {
                ids.append(try await fixture.pool.withConnection { connection in
                    try await connection.query(
                        "INSERT INTO conveyor_outbox (kind, payload, queue, tenant) VALUES ($1, $2::jsonb, $3, $4) RETURNING id",
                        [row.kind, row.payload, row.queue, row.tenant]
                    ).rows[0].decode("id")
                })
            }
            let pass = try await fixture.relay().relay()
            #expect(pass.taken == 7 && pass.sent == 2 && pass.failed == 5 && pass.refused == 0)
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 2)

            let failed = try await OutboxRows.failed(in: fixture.pool, limit: 10)
            let reasons = Dictionary(uniqueKeysWithValues: failed.map { ($0.id, $0.error) })
            #expect(Set(reasons.keys) == Set(ids[1...5]))
            #expect(reasons[ids[1]]?.contains("unknown job kind 'resize'") == true)
            #expect(reasons[ids[2]]?.contains("'ms' must be between 0 and 60000") == true)
            #expect(reasons[ids[3]]?.contains("must be a JSON object") == true)
            #expect(reasons[ids[4]]?.contains("invalid queue name 'Not A Queue'") == true)
            #expect(reasons[ids[5]]?.contains("its tenant holds a line break") == true)
            let summary = try await OutboxRows.summary(in: fixture.pool)
            #expect(summary.pending == 0 && summary.oldestPendingAge == nil && summary.failed == 5)
            // A failed row is left alone by the relays until the operator retries it.
            #expect(try await fixture.relay().hasPending() == false)

            // Fixed and retried, a row becomes its job; the rest are dropped.
            try await fixture.pool.withConnection { try await $0.execute("UPDATE conveyor_outbox SET queue = $1 WHERE id = $2", [queue, ids[4]]) }
            #expect(try await OutboxRows.retry(.ids([ids[4], ids[0]]), in: fixture.pool) == 1)
            #expect(try await fixture.relay().relay().sent == 1)
            #expect(try await fixture.queue.job(ApplicationOutbox.jobID(ofRow: ids[4], in: fixture.queueName)) != nil)
            #expect(try await OutboxRows.drop(.all, in: fixture.pool) == 4)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_outbox") == 0)
        }
    }

    @Test func aJobCarriesTheRowsTenantQueueAndSettingsOrItsKindsDefaults() async throws {
        try await OutboxFixture.with("fields") { fixture async throws in
            let (written, defaulted): (UUID, UUID) = try await fixture.pool.withConnection { connection in
                try await connection.transaction { connection in
                    let written: UUID = try await connection.query(
                        """
                        INSERT INTO conveyor_outbox (kind, payload, queue, tenant, run_at, max_attempts, timeout_ms, request_id)
                        VALUES ('drill.ledger', '{"ms": 5}', $1, 'acme', now() + interval '1 hour', 3, 4500, 'order-42')
                        RETURNING id
                        """,
                        [fixture.queueName.rawValue]
                    ).rows[0].decode("id")
                    let defaulted: UUID = try await connection.query(
                        "INSERT INTO conveyor_outbox (kind, tenant) VALUES ('noop', 'globex') RETURNING id"
                    ).rows[0].decode("id")
                    return (written, defaulted)
                }
            }
            #expect(try await fixture.relay().relay().sent == 2)

            let job = try #require(try await fixture.queue.job(ApplicationOutbox.jobID(ofRow: written, in: fixture.queueName)))
            #expect(job.kind == "drill.ledger")
            #expect(job.payload == "{\"ms\": 5}")
            #expect(job.tenant == "acme")
            #expect(job.state == .scheduled)
            #expect(job.maxAttempts == 3)
            #expect(job.timeout == .milliseconds(4500))
            #expect(job.requestID == "order-42")
            let runAt = try #require(job.runAt)
            #expect(runAt > Timestamp.localNow + .seconds(3500))

            // No queue, attempts or timeout: the kind's; noop's queue is `default`.
            let id = ApplicationOutbox.jobID(ofRow: defaulted, in: .default)
            let other = try #require(try await fixture.queue.job(id))
            #expect(other.tenant == "globex")
            #expect(other.state == .queued)
            #expect(other.maxAttempts == 25)
            _ = try await fixture.queue.cancel(id)
        }
    }

    @Test func rowsOfAFullQueueWaitWithoutHoldingUpTheOthers() async throws {
        let full = TestEnvironment.uniqueQueue("full")
        try await OutboxFixture.with("refused", policy: QueuePolicy(maxLengthByQueue: [full: 2])) { fixture async throws in
            try await fixture.pool.withConnection { connection in
                try await connection.execute(
                    "INSERT INTO conveyor_outbox (kind, queue) SELECT 'noop', $1 FROM generate_series(1, 3)", [full.rawValue]
                )
                try await connection.execute(
                    "INSERT INTO conveyor_outbox (kind, queue) SELECT 'noop', $1 FROM generate_series(1, 2)", [fixture.queueName.rawValue]
                )
            }
            let pass = try await fixture.relay().relay()
            #expect(pass.sent == 2 && pass.refused == 3 && pass.failed == 0)
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 2)
            #expect(try await fixture.queue.statistics(of: full).depth == 0)
            let summary = try await OutboxRows.summary(in: fixture.pool)
            #expect(summary.pending == 3 && summary.failed == 0)
            // Put off for a second from the pass: how much of it is left depends on the machine's speed.
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_outbox WHERE relay_after IS NOT NULL AND error LIKE '%is full%'") == 3)
        }
    }
}

/// A flag set once, read by other tasks.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() { value.withLock { $0 = true } }

    var isSet: Bool { value.withLock { $0 } }
}
