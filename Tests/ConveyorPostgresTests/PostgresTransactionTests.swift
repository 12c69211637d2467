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
