import ConveyorPostgres
import Foundation

/// The row of a chunk that PostgreSQL refused, found for the import's report: a chunk fails
/// for good with the body line of its first refused row and PostgreSQL's message.
struct RefusedRow: Error {
    /// Its body line, when it could be found.
    let line: Int?
    let message: String

    /// Names the row PostgreSQL refused. A COPY error gives the staging line, which is the
    /// chunk's line; an error of the insert does not, so the insert is tried again on ever
    /// shorter runs of rows until the first one it fails on is found.
    static func find(
        for error: PostgresError, of payload: BatchCreate.Payload, with statements: BatchCreateStatements, on connection: PostgresConnection
    ) async throws -> RefusedRow {
        var message = "PostgreSQL refused the row: \(error.message)"
        if let detail = error.detail { message += " (\(detail))" }
        let data = try await connection.query(
            "SELECT data FROM conveyor_import_chunks WHERE import_id = $1 AND chunk_number = $2",
            [payload.importID, payload.chunk]
        )
        guard let text = try data.rows.first?.decode("data", as: String?.self) else { return RefusedRow(line: nil, message: message) }
        let bytes = Array(text.utf8)
        let lines = Self.bodyLines(of: bytes)
        if let context = error.context, let copyLine = Self.copyLine(in: context) {
            if let column = Self.copyColumn(in: context) { message = "PostgreSQL refused the row's \(column): \(error.message)" }
            return RefusedRow(line: lines.indices.contains(copyLine - 1) ? lines[copyLine - 1] : nil, message: message)
        }
        let line = try await connection.transaction { connection -> Int? in
            let tenant: String = try await connection.query(
                "SELECT tenant FROM conveyor_imports WHERE id = $1", [payload.importID]
            ).rows[0].decode("tenant")
            try await statements.stage(bytes, on: connection)
            return try await Self.firstRefusedLine(lines, tenant: tenant, with: statements, on: connection)
        }
        return RefusedRow(line: line, message: message)
    }

    /// The body line of the first row that the insert fails on, tried in the staging table:
    /// the rows up to some line either all go in or fail, so halving the run finds it. Every
    /// try is undone. Nil when even all the rows go in now (the database changed meanwhile).
    private static func firstRefusedLine(
        _ lines: [Int], tenant: String, with statements: BatchCreateStatements, on connection: PostgresConnection
    ) async throws -> Int? {
        func fits(_ count: Int) async throws -> Bool {
            try await connection.execute("SAVEPOINT probe")
            var fits = true
            do {
                _ = try await connection.query(statements.insertUpToLine, [tenant, lines[count - 1]])
            } catch let error as PostgresError where error.refusesData {
                fits = false
            }
            try await connection.execute("ROLLBACK TO SAVEPOINT probe")
            return fits
        }
        guard let last = lines.indices.last, try await !fits(last + 1) else { return nil }
        // The first `fitting` rows go in; the first `failing` rows do not.
        var fitting = 0
        var failing = lines.count
        while failing - fitting > 1 {
            let middle = (fitting + failing) / 2
            if try await fits(middle) { fitting = middle } else { failing = middle }
        }
        return lines[failing - 1]
    }

    /// The body line of each row of COPY text: its first field.
    static func bodyLines(of data: [UInt8]) -> [Int] {
        var lines: [Int] = []
        var value = 0
        var isInFirstField = true
        for byte in data {
            if isInFirstField {
                if byte == ASCII.tab {
                    lines.append(value)
                    value = 0
                    isInFirstField = false
                } else {
                    value = value * 10 + Int(byte - ASCII.zero)
                }
            } else if byte == ASCII.newline {
                isInFirstField = true
            }
        }
        return lines
    }

    /// N in a COPY error's context `COPY conveyor_staging, line N, column …`.
    static func copyLine(in context: String) -> Int? {
        guard context.hasPrefix("COPY \(BatchCreateStatements.stagingTable), line "),
            let number = context.dropFirst("COPY \(BatchCreateStatements.stagingTable), line ".count).split(whereSeparator: { !$0.isNumber }).first
        else { return nil }
        return Int(number)
    }

    /// The column in a COPY error's context, as `column price_cents`.
    static func copyColumn(in context: String) -> String? {
        guard let range = context.range(of: ", column ") else { return nil }
        return context[range.upperBound...].split(separator: ":").first.map { "column '\($0)'" }
    }
}
