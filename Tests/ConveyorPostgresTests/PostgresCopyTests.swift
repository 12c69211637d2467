import ConveyorPostgres
import Testing

@Suite struct PostgresCopyTests {
    /// Row `n` of the test data, in COPY's text format.
    static func line(_ n: Int) -> String {
        "\(n)\titem \(n)\t\(n % 97)\t\(n).5\n"
    }

    /// The rows `1...count` as an async sequence of chunks of `rowsPerChunk` rows, made as they are read.
    struct GeneratedRows: AsyncSequence {
        let count: Int
        let rowsPerChunk: Int

        struct AsyncIterator: AsyncIteratorProtocol {
            let count: Int
            let rowsPerChunk: Int
            var next = 1

            mutating func next() async -> [UInt8]? {
                guard self.next <= self.count else { return nil }
                let last = Swift.min(self.count, self.next + self.rowsPerChunk - 1)
                defer { self.next = last + 1 }
                return Array((self.next...last).map(PostgresCopyTests.line).joined().utf8)
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(count: self.count, rowsPerChunk: self.rowsPerChunk)
        }
    }

    static func rows(_ count: Int, rowsPerChunk: Int) -> GeneratedRows {
        GeneratedRows(count: count, rowsPerChunk: rowsPerChunk)
    }

    static let createItems =
        "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, quantity int, price float8)"

    @Test func copyInStreamsRowsFromAsyncSequence() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute(Self.createItems)
            let copied = try await connection.copyIn(
                "COPY items FROM STDIN",
                from: Self.rows(100_000, rowsPerChunk: 250)
            )
            #expect(copied == 100_000)
            let row = try await connection.query("SELECT count(*) AS n, sum(id) AS s FROM items").rows[0]
            #expect(try row.decode("n", as: Int.self) == 100_000)
            #expect(try row.decode("s", as: Int.self) == 100_000 * 100_001 / 2)
        }
    }

    @Test func copyInBadRowReportsLineAndLeavesConnectionUsable() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute(Self.createItems)
            let data = Self.line(1) + Self.line(2) + "3\titem 3\tmany\t1.5\n" + Self.line(4)
            let chunks = AsyncStream<[UInt8]> { continuation in
                continuation.yield(Array(data.utf8))
                continuation.finish()
            }
            let error = try await #require(throws: PostgresError.self) {
                try await connection.copyIn("COPY items FROM STDIN", from: chunks)
            }
            #expect(error.sqlState == "22P02")
            #expect(error.message.contains("many"))
            #expect(error.context?.contains("line 3") == true)
            #expect(error.description.contains("line 3"))
            #expect(
                try await connection.query("SELECT count(*) AS n FROM items").rows[0].decode("n", as: Int.self) == 0
            )
        }
    }

    @Test func copyInAbortsWhenSequenceThrows() async throws {
        struct SourceFailed: Error {}
        try await TestDatabase.withConnection { connection in
            try await connection.execute(Self.createItems)
            let chunks = AsyncThrowingStream<[UInt8], any Error> { continuation in
                continuation.yield(Array(Self.line(1).utf8))
                continuation.finish(throwing: SourceFailed())
            }
            await #expect(throws: SourceFailed.self) {
                try await connection.copyIn("COPY items FROM STDIN", from: chunks)
            }
            #expect(
                try await connection.query("SELECT count(*) AS n FROM items").rows[0].decode("n", as: Int.self) == 0
            )
        }
    }

    @Test func copyOutStreamsChunks() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute(Self.createItems)
            _ = try await connection.copyIn("COPY items FROM STDIN", from: Self.rows(100_000, rowsPerChunk: 1000))
            let expected = (1...100_000).map(Self.line).joined()
            var received: [UInt8] = []
            var chunkSizes: [Int] = []
            let rows = try await connection.copyOut("COPY (SELECT * FROM items ORDER BY id) TO STDOUT") { chunk in
                chunkSizes.append(chunk.count)
                received += chunk
            }
            #expect(rows == 100_000)
            #expect(received.count == expected.utf8.count)
            let matches = received == Array(expected.utf8)
            #expect(matches, "COPY TO STDOUT returned other text than was copied in")
            #expect(chunkSizes.count > 1)
            #expect(chunkSizes.max()! < 80 * 1024)
        }
    }

    @Test func copyOutStopsWhenConsumerThrows() async throws {
        struct Enough: Error {}
        try await TestDatabase.withConnection { (connection: PostgresConnection) async throws in
            var chunks = 0
            await #expect(throws: Enough.self) {
                try await connection.copyOut(
                    "COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 5000000) g) TO STDOUT"
                ) { _ in
                    chunks += 1
                    if chunks == 2 { throw Enough() }
                }
            }
            #expect(chunks == 2)
            #expect(try await connection.query("SELECT 1 AS one").rows[0].decode("one", as: Int.self) == 1)
        }
    }
}
