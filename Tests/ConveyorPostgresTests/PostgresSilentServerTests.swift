import ConveyorPostgres
import ConveyorTestSupport
import Testing

/// A server that stops answering without closing the connection, as behind a dead network or a
/// proxy whose server vanished: the relay in front of the test database black-holes all traffic.
@Suite struct PostgresSilentServerTests {
    @Test func statementFailsOnceTheServerIsSilentPastTheReplyTimeout() async throws {
        try await TestDatabase.withRelayedPool(configure: { $0.replyTimeout = .seconds(1) }) { pool, relay in
            let lease = try await answeringLease(from: pool)
            defer { pool.release(lease) }
            relay.blackHole()
            let error = try await #require(throws: PostgresError.self) { try await lease.connection.query("SELECT 1") }
            #expect(error.kind == .serverUnresponsive)
            #expect(error.isRetryable)
            #expect(error.description.contains("CONVEYOR_DB_REPLY_TIMEOUT"))
            // The connection is ended, so a later call fails rather than waiting out the timeout again.
            let later = try await #require(throws: PostgresError.self) { try await lease.connection.query("SELECT 1") }
            #expect(later.kind == .connectionLost)
        }
    }

    @Test func commitFailsOnceTheServerIsSilentPastTheCommitTimeout() async throws {
        try await TestDatabase.withRelayedPool(configure: { $0.commitTimeout = .seconds(1) }) { pool, relay in
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.transaction { transaction in
                        _ = try await transaction.query("SELECT 1")
                        relay.blackHole()
                    }
                }
            }
            #expect(error.kind == .serverUnresponsive)
            #expect(error.description.contains("CONVEYOR_DB_COMMIT_TIMEOUT"))
        }
    }

    @Test(.disabled(if: TestEnvironment.reachesPostgresThroughPooler, "a pooler may serve two client connections with one server process"))
    func poolServesTheNextCallerWithAFreshConnection() async throws {
        try await TestDatabase.withRelayedPool(configure: { $0.replyTimeout = .seconds(1) }) { pool, relay in
            let backendPID = { @Sendable (connection: PostgresConnection) in
                try await connection.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid", as: Int32.self)
            }
            let lease = try await answeringLease(from: pool)
            let silent = try await backendPID(lease.connection)
            relay.blackHole()
            // Waits for the pool's only connection, held by the statement that gets no answer.
            let waiter = Task { try await pool.withConnection(backendPID) }
            let error = await #expect(throws: PostgresError.self) { try await backendPID(lease.connection) }
            #expect(error?.kind == .serverUnresponsive)
            // Released whatever happened, so that the pool can shut down.
            pool.release(lease)
            try relay.restore()
            let next = try await waiter.value
            #expect(next != silent)
            #expect(try await pool.withConnection(backendPID) == next)
        }
    }

    @Test func copyOutThatKeepsSendingOutlastsTheReplyTimeout() async throws {
        try await TestDatabase.withRelayedPool(configure: { $0.replyTimeout = .seconds(1) }) { pool, _ in
            // Rows larger than the server's send buffer leave it one by one, a fifth of a second apart.
            let rows = try await pool.withConnection { connection in
                try await connection.copyOut(
                    "COPY (SELECT repeat('x', 10000), pg_sleep(0.2)::text FROM generate_series(1, 10)) TO STDOUT"
                ) { _ in }
            }
            #expect(rows == 10)
        }
    }

    /// A lease whose connection has answered a statement. On a loaded machine the first
    /// statement through the relay can take longer than these tests' one-second timeouts,
    /// which end its connection; another is opened then, up to five times.
    private func answeringLease(from pool: PostgresPool) async throws -> PostgresPool.Lease {
        var attempt = 0
        while true {
            attempt += 1
            let lease = try await pool.acquire()
            do {
                _ = try await lease.connection.query("SELECT 1")
                return lease
            } catch {
                pool.release(lease)
                guard let silent = error as? PostgresError, silent.kind == .serverUnresponsive, attempt < 5 else { throw error }
            }
        }
    }
}
