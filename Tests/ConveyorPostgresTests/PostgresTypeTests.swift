import ConveyorPostgres
import Foundation
import Testing

@Suite struct PostgresTypeTests {
    /// Quotes, backslashes, newlines, unicode and SQL syntax, all of which must arrive as sent.
    static let awkwardText = "O'Brien said \"hi\"\\n\nline two\t— ünïcødé 🚀; DROP TABLE people; -- $1 '); SELECT 1; --"

    @Test func everyTypeRoundTripsThroughParameters() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute(
                """
                CREATE TABLE samples (
                    id serial PRIMARY KEY, t text, i8 bigint, i4 integer, i bigint, d double precision,
                    b boolean, ts timestamptz, bytes bytea, u uuid
                )
                """
            )
            let date = Date(timeIntervalSince1970: 1_714_979_289.123456)
            let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff, 0x27, 0x5c]
            let uuid = UUID()
            let insert =
                "INSERT INTO samples (t, i8, i4, i, d, b, ts, bytes, u) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            let inserted = try await connection.execute(
                insert,
                [Self.awkwardText, Int64.min, Int32.max, -42, 0.1 + 0.2, true, date, bytes, uuid]
            )
            #expect(inserted == 1)
            let missingText: String? = nil
            try await connection.execute(insert, [missingText, nil, nil, nil, nil, nil, nil, nil, nil])

            let rows = try await connection.query("SELECT * FROM samples ORDER BY id").rows
            #expect(rows.count == 2)
            let row = rows[0]
            #expect(try row.decode("t", as: String.self) == Self.awkwardText)
            #expect(try row.decode("i8", as: Int64.self) == Int64.min)
            #expect(try row.decode("i4", as: Int32.self) == Int32.max)
            #expect(try row.decode("i", as: Int.self) == -42)
            #expect(try row.decode("d", as: Double.self) == 0.1 + 0.2)
            #expect(try row.decode("b", as: Bool.self) == true)
            #expect(try row.decode("bytes", as: [UInt8].self) == bytes)
            #expect(try row.decode("u", as: UUID.self) == uuid)
            let decodedDate = try row.decode("ts", as: Date.self)
            #expect(abs(decodedDate.timeIntervalSince(date)) < 0.000_001)
            #expect(decodedDate.postgresText == "2024-05-06T07:08:09.123456Z")

            let nulls = rows[1]
            for column in ["t", "i8", "i4", "i", "d", "b", "ts", "bytes", "u"] {
                #expect(nulls.isNull(column))
            }
            #expect(try nulls.decode("t", as: String?.self) == nil)
            #expect(try nulls.decode("ts", as: Date?.self) == nil)
            #expect(try row.decode("t", as: String?.self) == Self.awkwardText)
            #expect(row[1] == Self.awkwardText)
            #expect(nulls[1] == nil)
        }
    }

    @Test func injectionLookingTextStaysText() async throws {
        try await TestDatabase.withConnection { connection in
            let text = "'; DROP SCHEMA public CASCADE; SELECT '"
            let result = try await connection.query("SELECT $1::text AS v, length($1::text) AS n", [text])
            #expect(try result.rows[0].decode("v", as: String.self) == text)
            #expect(try result.rows[0].decode("n", as: Int.self) == text.count)
        }
    }

    @Test func timestampsKeepMicrosecondsAndReadAnyOffset() async throws {
        try await TestDatabase.withConnection { connection in
            try await connection.execute("SET TimeZone = 'America/St_Johns'")
            let result = try await connection.query(
                """
                SELECT '2024-01-02 03:04:05.000007+00'::timestamptz AS micro,
                       '0044-03-15 12:00:00+00 BC'::timestamptz AS ides,
                       'infinity'::timestamptz AS forever,
                       '2024-02-29'::date AS leap,
                       $1::timestamptz AS echoed
                """,
                [Date(timeIntervalSince1970: -1.5)]
            )
            let row = result.rows[0]
            #expect(try row.decode("micro", as: Date.self).postgresText == "2024-01-02T03:04:05.000007Z")
            #expect(try row.decode("ides", as: Date.self).postgresText == "0044-03-15 12:00:00.000000Z BC")
            #expect(try row.decode("forever", as: Date.self) == .distantFuture)
            #expect(try row.decode("leap", as: Date.self).postgresText == "2024-02-29T00:00:00.000000Z")
            #expect(try row.decode("echoed", as: Date.self) == Date(timeIntervalSince1970: -1.5))
        }
    }

    @Test func doublesKeepSpecialValues() async throws {
        try await TestDatabase.withConnection { connection in
            let values: [Double] = [.infinity, -.infinity, 1e-300, -0.0, 123_456.789]
            for value in values {
                let row = try await connection.query("SELECT $1::float8 AS v", [value]).rows[0]
                #expect(try row.decode("v", as: Double.self) == value)
            }
            let nan = try await connection.query("SELECT $1::float8 AS v", [Double.nan]).rows[0]
            #expect(try nan.decode("v", as: Double.self).isNaN)
        }
    }
}
