import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import ConveyorWorker
import Logging
import Testing

/// The fence of attempts' transactions, against the real PostgreSQL and its migrated
/// `conveyor_job_fences`; each test writes to a table and job ids of its own.
@Suite struct AttemptFenceTests {
    @Test func anAttemptStalledInsideItsTransactionRollsBackOnceANewerAttemptCommitted() async throws {
        try await FenceFixture.with { fixture in
            let old = fixture.fence(token: 1)
            let new = fixture.fence(token: 2)
            let (newCommitted, signalCommitted) = AsyncStream<Void>.makeStream()
            let (oldWrote, signalWrote) = AsyncStream<Void>.makeStream()
            let stalled = Task {
                try await fixture.pool.withConnection { connection in
                    try await old.transaction(on: connection) { transaction in
                        try await fixture.write(old, on: transaction)
                        signalWrote.yield()
                        // Stalled past its lease: the newer attempt begins and commits meanwhile.
                        for await _ in newCommitted { break }
                    }
                }
            }
            for await _ in oldWrote { break }
            try await fixture.pool.withConnection { connection in
                try await new.transaction(on: connection) { try await fixture.write(new, on: $0) }
            }
            signalCommitted.yield()

            await #expect(throws: StaleAttemptError.self) { try await stalled.value }
            #expect(try await fixture.tokensWritten() == [2])
        }
    }

    @Test func anAttemptOlderThanTheFencesClaimDoesNotRunItsTransaction() async throws {
        try await FenceFixture.with { fixture in
            try await fixture.pool.withConnection { connection in
                try await fixture.fence(token: 3).transaction(on: connection) { try await fixture.write(fixture.fence(token: 3), on: $0) }
                await #expect(throws: StaleAttemptError.self) {
                    try await fixture.fence(token: 2).transaction(on: connection) { _ in Issue.record("the older attempt's transaction ran") }
                }
                // The same attempt may open another fenced transaction.
                try await fixture.fence(token: 3).transaction(on: connection) { _ in }
            }
            #expect(try await fixture.tokensWritten() == [3])
        }
    }

    @Test func aJobIdQueuedAgainAfterItsRetentionStartsItsTokensAfresh() async throws {
        try await FenceFixture.with { fixture in
            try await fixture.pool.withConnection { connection in
                try await fixture.fence(token: 7).transaction(on: connection) { _ in }
                let reused = AttemptFence(job: fixture.job, enqueuedAt: fixture.enqueuedAt + .seconds(3600), token: 1)
                try await reused.transaction(on: connection) { try await fixture.write(reused, on: $0) }
                await #expect(throws: StaleAttemptError.self) {
                    try await fixture.fence(token: 8).transaction(on: connection) { _ in }
                }
            }
            #expect(try await fixture.tokensWritten() == [1])
        }
    }

    @Test func theSweepDeletesFencesClaimedLongerAgoThanTheRetention() async throws {
        try await FenceFixture.with { fixture in
            try await fixture.pool.withConnection { connection in
                try await fixture.fence(token: 1).transaction(on: connection) { _ in }
                let recent = AttemptFence(job: fixture.job + "-recent", enqueuedAt: fixture.enqueuedAt, token: 1)
                try await recent.transaction(on: connection) { _ in }
                try await connection.execute(
                    "UPDATE conveyor_job_fences SET claimed_at = now() - interval '8 days' WHERE job_id = $1", [fixture.job]
                )
                #expect(try await AttemptFence.sweep(on: connection) >= 1)
                let left = try await connection.query(
                    "SELECT job_id FROM conveyor_job_fences WHERE job_id IN ($1, $2)", [fixture.job, recent.job]
                )
                #expect(left.rows.map { try? $0.decode("job_id", as: String.self) } == [recent.job])
            }
        }
    }
}

/// A job id, a table standing for a job's effect, and a pool of two connections.
private struct FenceFixture {
    let pool: PostgresPool
    let table: String
    let job: String
    let enqueuedAt = Timestamp.localNow

    static func with(_ body: (FenceFixture) async throws -> Void) async throws {
        var configuration = try PostgresConfiguration(url: TestEnvironment.databaseURL())
        configuration.poolSize = 2
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 36)
        let fixture = FenceFixture(
            pool: PostgresPool(configuration: configuration, logger: Logger(label: "test")),
            table: "fence_effects_\(suffix)", job: "fence-test-\(suffix)"
        )
        do {
            try await fixture.pool.withConnection { try await $0.execute("CREATE TABLE \(fixture.table) (token bigint NOT NULL)") }
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    func fence(token: Int64) -> AttemptFence {
        AttemptFence(job: job, enqueuedAt: enqueuedAt, token: token)
    }

    func write(_ fence: AttemptFence, on transaction: PostgresConnection) async throws {
        try await transaction.execute("INSERT INTO \(table) (token) VALUES ($1)", [fence.token])
    }

    func tokensWritten() async throws -> [Int64] {
        try await pool.withConnection { connection in
            try await connection.query("SELECT token FROM \(table) ORDER BY token").rows.map { try $0.decode("token", as: Int64.self) }
        }
    }

    private func tearDown() async {
        _ = try? await pool.withConnection { connection in
            try await connection.execute("DROP TABLE IF EXISTS \(table)")
            try await connection.execute("DELETE FROM conveyor_job_fences WHERE job_id LIKE $1", [job + "%"])
        }
        await pool.shutdown()
    }
}
