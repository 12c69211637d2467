import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Testing

@Suite struct PostgresQueryTests {
    @Test func decodingErrorsNameColumnAndType() async throws {
        try await TestDatabase.withConnection { connection in
            let row = try await connection.query("SELECT 'abc' AS word, NULL::int AS nothing").rows[0]

            let wrongType = try #require(throws: PostgresDecodingError.self) { try row.decode("word", as: Int.self) }
            #expect(wrongType.column == "word")
            #expect(wrongType.description.contains("column \"word\" as Int"))
            #expect(wrongType.description.contains("abc"))

            let null = try #require(throws: PostgresDecodingError.self) { try row.decode("nothing", as: Int.self) }
            #expect(null.description.contains("column \"nothing\" as Int"))
            #expect(null.description.contains("NULL"))

            let missing = try #require(throws: PostgresDecodingError.self) { try row.decode("absent", as: String.self) }
            #expect(missing.description.contains("\"absent\""))
            #expect(missing.description.contains("word, nothing"))
        }
    }

    @Test func serverErrorsCarrySQLStateAndFields() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("CREATE TABLE people (email text PRIMARY KEY)")
            try await connection.execute("INSERT INTO people VALUES ($1)", ["ada@example.com"])
            let duplicate = try await #require(throws: PostgresError.self) {
                try await connection.execute("INSERT INTO people VALUES ($1)", ["ada@example.com"])
            }
            #expect(duplicate.kind == .server)
            #expect(duplicate.sqlState == "23505")
            #expect(duplicate.message.contains("duplicate key value violates unique constraint"))
            #expect(duplicate.detail == "Key (email)=(ada@example.com) already exists.")
            #expect(!duplicate.isRetryable)

            let syntax = try await #require(throws: PostgresError.self) {
                try await connection.query("SELECT FROM WHERE")
            }
            #expect(syntax.sqlState == "42601")
            #expect(syntax.position == 13)

            // The connection is still good after errors.
            #expect(
                try await connection.query("SELECT count(*) AS n FROM people").rows[0].decode("n", as: Int.self) == 1
            )
        }
    }

    @Test func reportsAffectedRowsAndColumns() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("CREATE TABLE counters (name text, value int)")
            let inserted = try await connection.execute(
                "INSERT INTO counters SELECT 'c' || g, g FROM generate_series(1, $1::int) g",
                [7]
            )
            #expect(inserted == 7)
            #expect(try await connection.execute("UPDATE counters SET value = value + 1 WHERE value > $1", [4]) == 3)
            let result = try await connection.query("SELECT name, value FROM counters ORDER BY value LIMIT 2")
            #expect(result.columns == ["name", "value"])
            #expect(result.affectedRows == 2)
            #expect(result.commandTag == "SELECT 2")
        }
    }

    @Test func scriptsRunSeveralStatements() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.executeScript(
                """
                CREATE TABLE a (x int);
                INSERT INTO a VALUES (1), (2);
                INSERT INTO a SELECT x * 10 FROM a;
                """
            )
            #expect(try await connection.query("SELECT sum(x) AS s FROM a").rows[0].decode("s", as: Int.self) == 33)
        }
    }

    @Test func copyStatementsOutsideCopyMethodsAreRefusedCleanly() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("CREATE TABLE items (x int)")
            let copyIn = try await #require(throws: PostgresError.self) {
                try await connection.query("COPY items FROM STDIN")
            }
            #expect(copyIn.kind == .invalidUsage)
            let copyOut = try await #require(throws: PostgresError.self) {
                try await connection.query("COPY (SELECT generate_series(1, 1000)) TO STDOUT")
            }
            #expect(copyOut.kind == .invalidUsage)
            let notCopy = try await #require(throws: PostgresError.self) {
                try await connection.copyIn("SELECT 1", from: AsyncStream<[UInt8]> { $0.finish() })
            }
            #expect(notCopy.kind == .invalidUsage)
            #expect(try await connection.query("SELECT 1 AS one").rows[0].decode("one", as: Int.self) == 1)
        }
    }

    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        try await TestDatabase.withPool(poolSize: 1) { pool, _ in
            let marker = TestDatabase.uniqueName("sleep")
            let sleeper = Task { try await pool.withConnection { try await $0.query("SELECT pg_sleep(30) AS \(marker)") } }
            // Cancelled once the server runs it: a task cancelled before its statement is sent
            // ends with CancellationError instead, as a busy machine can make happen.
            let running = try await TestDatabase.withPool(poolSize: 1) { observer, _ in
                try await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                    try await observer.withConnection { connection in
                        try await connection.query(
                            "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1", ["%AS \(marker)"]
                        ).rows[0].decode("n", as: Int.self) == 1
                    }
                }
            }
            try #require(running)
            let start = ContinuousClock.now
            sleeper.cancel()
            let error = await #expect(throws: (any Error).self) { try await sleeper.value }
            #expect((error as? PostgresError)?.sqlState == "57014", "\(String(describing: error))")
            #expect(start.duration(to: .now) < .seconds(5))
            // The connection went back to the pool in good order.
            let lease = try await pool.acquire()
            #expect(try await lease.connection.query("SELECT 1 AS one").rows[0].decode("one", as: Int.self) == 1)
            pool.release(lease)
        }
    }

    @Test func refusesNULCharacters() async throws {
        try await TestDatabase.withConnection { connection in
            let error = try await #require(throws: PostgresError.self) {
                try await connection.query("SELECT $1::text", ["a\u{0}b"])
            }
            #expect(error.kind == .invalidUsage)
            #expect(error.message.contains("parameter $1"))
        }
    }
}
