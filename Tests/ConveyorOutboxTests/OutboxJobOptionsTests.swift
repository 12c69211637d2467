import ConveyorCore
import ConveyorJobs
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

/// A row's priority, deadline, correlation id and unique lock, and its kind's when it leaves
/// them NULL (`Migrations/0017_outbox_job_options.sql`).
@Suite struct OutboxJobOptionsTests {
    @Test func aRowsPriorityDeadlineCorrelationAndLockReachItsJob() async throws {
        try await OutboxFixture.with("options") { fixture async throws in
            let first = try await fixture.insert(
                "kind, payload, queue, tenant, priority, deadline, correlation_id, unique_fields",
                "'noop', '{\"order\": 1, \"note\": \"a\"}', $1, 'acme', 7, now() + interval '1 hour', 'checkout-7', '{order}'"
            )
            let other = try await fixture.insert("kind, payload, queue, tenant, unique_fields", "'noop', '{\"order\": 2}', $1, 'acme', '{order}'")
            // Committed after the first: the same order, so the first's lock holds it off.
            let second = try await fixture.insert(
                "kind, payload, queue, tenant, unique_fields", "'noop', '{\"order\": 1, \"note\": \"b\"}', $1, 'acme', '{order}'"
            )
            #expect(try await fixture.relay().relay() == pass(taken: 3, sent: 3))
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 2)

            let job = try #require(try await fixture.queue.job(ApplicationOutbox.jobID(ofRow: first, in: fixture.queueName)))
            #expect(job.priority == 7)
            #expect(job.correlationID == "checkout-7")
            let deadline = try #require(job.deadline)
            #expect(deadline > Timestamp.localNow + .seconds(3500))
            #expect(try await fixture.queue.job(ApplicationOutbox.jobID(ofRow: other, in: fixture.queueName))?.priority == 0)
            #expect(try await fixture.queue.job(ApplicationOutbox.jobID(ofRow: second, in: fixture.queueName)) == nil)

            // Until the job finishes, by default: a later row of the same order is held off too.
            _ = try await fixture.insert("kind, payload, queue, tenant, unique_fields", "'noop', '{\"order\": 1}', $1, 'acme', '{order}'")
            #expect(try await fixture.relay().relay().sent == 1)
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 2)
        }
    }

    @Test func rowsThatLeaveThemNullTakeTheirKindsPriorityAndLock() async throws {
        var registry = try JobCatalogue.registry()
        registry.register(OrderReceiptJob())
        try await OutboxFixture.with("declared", registry: registry) { fixture async throws in
            let declared = try await fixture.insert("kind, payload, queue, tenant", "'\(OrderReceiptJob.name)', '{\"order\": 9}', $1, 'acme'")
            let held = try await fixture.insert("kind, payload, queue, tenant", "'\(OrderReceiptJob.name)', '{\"order\": 9}', $1, 'acme'")
            let unlocked = try await fixture.insert(
                "kind, payload, queue, tenant, unique_scope", "'\(OrderReceiptJob.name)', '{\"order\": 9}', $1, 'acme', 'none'"
            )
            let urgent = try await fixture.insert("kind, payload, queue, tenant, priority", "'\(OrderReceiptJob.name)', '{\"order\": 10}', $1, 'acme', 9")
            #expect(try await fixture.relay().relay() == pass(taken: 4, sent: 4))

            let job = { (row: UUID) in try await fixture.queue.job(ApplicationOutbox.jobID(ofRow: row, in: fixture.queueName)) }
            #expect(try await job(declared)?.priority == 5)
            #expect(try await job(held) == nil)
            #expect(try await job(unlocked)?.priority == 5)
            #expect(try await job(urgent)?.priority == 9)
            // Priorities order the queue as the API's do: the row of priority 9 is taken first.
            let reserved = try await fixture.queue.reserve(from: fixture.queueName, count: 1, lease: .seconds(30), worker: "outbox-test")
            #expect(reserved.jobs.map(\.id) == [ApplicationOutbox.jobID(ofRow: urgent, in: fixture.queueName)])
        }
    }

    @Test func aShardedQueuesUniqueRowsBecomeJobsInTheirLocksShardsAndAResendMakesNoSecond() async throws {
        let sharded = TestEnvironment.uniqueQueue("outbox-sharded")
        try await OutboxFixture.with("sharded", policy: QueuePolicy(shards: [sharded: 4])) { fixture async throws in
            let insert = "INSERT INTO conveyor_outbox (kind, payload, queue, tenant, unique_scope) SELECT 'noop', jsonb_build_object('n', n), $1, 'acme', 'until_finished' FROM generate_series(1, 16) AS n RETURNING id, payload::text AS payload"
            let rows = try await fixture.pool.withConnection { connection in
                try await connection.query(insert, [sharded.rawValue]).rows.map { row -> (id: UUID, payload: String) in
                    (try row.decode("id"), try row.decode("payload"))
                }
            }
            #expect(try await fixture.relay().relay() == pass(taken: 16, sent: 16))
            // A second row of each payload: held off by the first's lock, whatever its shard.
            _ = try await fixture.pool.withConnection { try await $0.query(insert, [sharded.rawValue]) }
            #expect(try await fixture.relay().relay() == pass(taken: 16, sent: 16))
            #expect(try await fixture.queue.statistics(of: sharded).depth == 16)

            var ids: [JobID] = []
            for row in rows {
                let lock = JobUniqueness(scope: .untilFinished, key: JobUniqueness.key(tenant: "acme", kind: "noop", payload: row.payload))
                let id = fixture.queue.uniqueJobID(for: lock, in: sharded, derivedFrom: withUnsafeBytes(of: row.id.uuid) { Array($0) })
                #expect(try await fixture.queue.job(id)?.payload == row.payload)
                ids.append(id)
            }
            #expect(Set(ids.map { fixture.queue.shard(of: $0) }).count > 1)

            // A relay that died before its commit leaves the row, and the next one sends it again.
            try await fixture.pool.withConnection { connection in
                _ = try await connection.execute(
                    "INSERT INTO conveyor_outbox (id, kind, payload, queue, tenant, unique_scope) VALUES ($1, 'noop', $2::jsonb, $3, 'acme', 'until_finished')",
                    [rows[0].id, rows[0].payload, sharded.rawValue]
                )
            }
            #expect(try await fixture.relay().relay() == pass(taken: 1, sent: 1))
            #expect(try await fixture.queue.statistics(of: sharded).depth == 16)
        }
    }

    @Test func columnsOutOfRangeAreRefusedAtTheInsertAndFieldsNoKeyTakesFailTheRow() async throws {
        try await OutboxFixture.with("refusals") { fixture async throws in
            let refusals = [
                ("kind, priority", "'noop', 10", "conveyor_outbox_priority_check"),
                ("kind, unique_scope", "'noop', 'forever'", "conveyor_outbox_unique_scope_check"),
                ("kind, unique_scope", "'noop', 'period'", "conveyor_outbox_unique_period"),
                ("kind, unique_period_ms", "'noop', 1000", "conveyor_outbox_unique_period"),
                ("kind, unique_scope, unique_fields", "'noop', 'none', '{order}'", "conveyor_outbox_unique_fields_locked"),
                ("kind, unique_fields", "'noop', '{}'", "conveyor_outbox_unique_fields_check"),
            ]
            for (columns, values, constraint) in refusals {
                do {
                    _ = try await fixture.insert(columns, values)
                    Issue.record("(\(columns)) VALUES (\(values)) was taken")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "23514" && error.message.contains(constraint), "\(error)")
                }
            }
            let row = try await fixture.insert("kind, queue, unique_fields", "'noop', $1, '{\"\"}'")
            #expect(try await fixture.relay().relay() == pass(taken: 1, failed: 1))
            let failed = try #require(try await OutboxRows.failed(in: fixture.pool, limit: 1).first)
            #expect(failed.id == row)
            #expect(failed.error.hasPrefix("unique_fields must name 1 to 16 payload fields of 1 to 128 bytes each"))
        }
    }

    private func pass(taken: Int, sent: Int = 0, failed: Int = 0) -> ApplicationOutbox.Pass {
        var pass = ApplicationOutbox.Pass()
        pass.taken = taken
        pass.sent = sent
        pass.failed = failed
        return pass
    }
}

/// A kind that declares a priority and a lock on its payload's `order`, for rows that leave
/// them to it.
struct OrderReceiptJob: JobKind {
    struct Payload: Decodable, Sendable {
        var order: Int
    }

    static let name = "outbox_test.order_receipt"
    static let options = JobKindOptions(priority: 5, unique: UniqueJobs(fields: ["order"], scope: .untilStarted))

    func run(_ payload: Payload, context: JobContext) async throws -> NoOutput { NoOutput() }
}
