import ConveyorPostgres
import Testing

@Suite struct PostgresTransactionTests {
    struct Abort: Error {}

    @Test func commitsWhenBodyReturns() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("CREATE TABLE ledger (amount int)")
            let total = try await connection.transaction { transaction in
                try await transaction.execute("INSERT INTO ledger VALUES ($1), ($2)", [5, 7])
                return try await transaction.query("SELECT sum(amount) AS s FROM ledger").rows[0].decode(
                    "s",
                    as: Int.self
                )
            }
            #expect(total == 12)
            #expect(
                try await connection.query("SELECT count(*) AS n FROM ledger").rows[0].decode("n", as: Int.self) == 2
            )
        }
    }

    @Test func aTransactionIdleLongerThanItsLimitIsEndedByTheServerAndItsLocksGo() async throws {
        try await TestDatabase.withPool(poolSize: 2, configure: { $0.transactionIdleLimit = .seconds(1) }) { pool, _ in
            try await pool.withConnection { try await $0.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount int)") }
            try await pool.withConnection { try await $0.execute("INSERT INTO ledger VALUES (1, 0)") }
            // As a client cut off the network mid-transaction: it holds a row lock and says nothing more.
            let stalled = try await pool.acquire()
            let error = await #expect(throws: PostgresError.self) {
                try await stalled.connection.transaction { transaction in
                    try await transaction.execute("UPDATE ledger SET amount = 1 WHERE id = 1")
                    try await Task.sleep(for: .seconds(3))
                    try await transaction.execute("UPDATE ledger SET amount = 2 WHERE id = 1")
                }
            }
            pool.release(stalled)
            #expect(error?.sqlState == "25P03" || error?.kind == .connectionLost, "\(String(describing: error))")
            // The row was let go, unchanged, long before a TCP timeout.
            let amount = try await pool.withConnection { connection in
                try await connection.query("SELECT amount FROM ledger WHERE id = 1 FOR UPDATE NOWAIT").rows[0].decode("amount", as: Int.self)
            }
            #expect(amount == 0)
        }
    }

    @Test func rollsBackAndRethrowsWhenBodyThrows() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("CREATE TABLE ledger (amount int)")
            await #expect(throws: Abort.self) {
                try await connection.transaction { transaction in
                    try await transaction.execute("INSERT INTO ledger VALUES (1)")
                    throw Abort()
                }
            }
            #expect(
                try await connection.query("SELECT count(*) AS n FROM ledger").rows[0].decode("n", as: Int.self) == 0
            )
            // Not left inside the transaction.
            try await connection.execute("INSERT INTO ledger VALUES (2)")
            #expect(
                try await connection.query("SELECT count(*) AS n FROM ledger").rows[0].decode("n", as: Int.self) == 1
            )
        }
    }

    @Test func failedStatementCaughtInsideBodyStillFailsTheTransaction() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("CREATE TABLE ledger (amount int CHECK (amount > 0))")
            let error = try await #require(throws: PostgresError.self) {
                try await connection.transaction { transaction in
                    try await transaction.execute("INSERT INTO ledger VALUES (1)")
                    _ = try? await transaction.execute("INSERT INTO ledger VALUES (-1)")
                }
            }
            #expect(error.sqlState == "25P02")
            #expect(
                try await connection.query("SELECT count(*) AS n FROM ledger").rows[0].decode("n", as: Int.self) == 0
            )
        }
    }
}
