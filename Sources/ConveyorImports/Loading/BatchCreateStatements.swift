import ConveyorPostgres

/// The SQL that loads a chunk of one dataset: a staging table shaped like the rows, and the
/// `INSERT … SELECT` from it into the target, counting what it did.
struct BatchCreateStatements {
    static let stagingTable = "conveyor_staging"
    /// The staging column holding each row's body line, which orders the rows.
    static let lineColumn = "conveyor_line"

    private let createStaging: String
    private let copyIntoStaging: String
    /// With `$1` the tenant; answers one row of `inserted` and `updated` counts.
    let insert: String
    /// The same for the rows up to body line `$2`, to find which row PostgreSQL refuses.
    let insertUpToLine: String
    /// With `$1` the tenant: inserts the one row of each key that ``insert`` would write,
    /// without `ON CONFLICT`, and fails with a unique violation if the table has any of the
    /// keys or another transaction is writing one.
    ///
    /// Most chunks bring keys the table does not have, and for them this costs about two thirds
    /// of ``insert``: `ON CONFLICT` looks each key up in the index before inserting it, and marks
    /// each row's insertion speculative and then confirmed, one more write-ahead record. A
    /// chunk with a key the table has pays for the rows inserted before it, at most one
    /// chunk's worth, before ``insert`` does the work.
    private let insertAllNew: String

    init(dataset: Dataset, onConflict: ConflictAction) {
        let columns = dataset.columns.map { Identifier.quoted($0.name) }.joined(separator: ", ")
        let stagingColumns = dataset.columns.map { "\(Identifier.quoted($0.name)) \($0.type.sqlType)" }
        createStaging =
            "CREATE TEMPORARY TABLE \(Self.stagingTable) (\(Self.lineColumn) bigint, \(stagingColumns.joined(separator: ", "))) ON COMMIT DROP"
        copyIntoStaging = "COPY \(Self.stagingTable) FROM STDIN"

        let target = "\(Identifier.quoted(dataset.table)) AS target (\(Identifier.quoted(dataset.tenantColumn)), \(columns))"
        let key = dataset.key.map(Identifier.quoted).joined(separator: ", ")
        // The tenant is the same for every row, so the rest of the key tells rows apart. Rows are
        // written in key order, so that chunks writing the same keys lock them in the same order.
        let rowKey = dataset.key.filter { $0 != dataset.tenantColumn }.map(Identifier.quoted).joined(separator: ", ")
        let updatable = dataset.columns.map(\.name).filter { !dataset.key.contains($0) }.map(Identifier.quoted)
        let updates = onConflict == .update && !updatable.isEmpty
        // Of rows repeating a key within the chunk, the first one is written when rows are
        // skipped, the last one when they update.
        let order = updates ? "\(Self.lineColumn) DESC" : Self.lineColumn
        let conflict: String
        if updates {
            // A row that would not change anything is not written, and so counts as skipped.
            conflict = """
                ON CONFLICT (\(key)) DO UPDATE
                    SET \(updatable.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
                    WHERE (\(updatable.map { "target.\($0)" }.joined(separator: ", ")))
                        IS DISTINCT FROM (\(updatable.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))
                """
        } else {
            conflict = "ON CONFLICT (\(key)) DO NOTHING"
        }
        func insertRows(_ filter: String = "", conflict: String = "") -> String {
            """
            INSERT INTO \(target)
            SELECT DISTINCT ON (\(rowKey)) $1, \(columns) FROM \(Self.stagingTable)
            \(filter)
            ORDER BY \(rowKey), \(order)
            \(conflict)
            """
        }
        func counting(_ insert: String) -> String {
            """
            WITH written AS (
                \(insert)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
            FROM written
            """
        }
        insert = counting(insertRows(conflict: conflict))
        insertUpToLine = counting(insertRows("WHERE \(Self.lineColumn) <= $2", conflict: conflict))
        insertAllNew = insertRows()
    }

    /// Writes the staged rows into the target and answers how many it inserted and updated:
    /// by ``insertAllNew`` when the table has none of their keys, otherwise by ``insert``.
    func write(for tenant: String, on connection: PostgresConnection) async throws -> (inserted: Int, updated: Int) {
        try await connection.execute("SAVEPOINT all_new")
        do {
            let inserted = try await connection.execute(insertAllNew, [tenant])
            try await connection.execute("RELEASE SAVEPOINT all_new")
            return (inserted, 0)
        } catch let error as PostgresError where error.isUniqueViolation {
            try await connection.execute("ROLLBACK TO SAVEPOINT all_new")
        }
        let counts = try await connection.query(insert, [tenant]).rows[0]
        return (try counts.decode("inserted"), try counts.decode("updated"))
    }

    /// Creates the staging table in the connection's transaction and copies `rows`, COPY text
    /// of the chunk, into it.
    func stage(_ rows: [UInt8], on connection: PostgresConnection) async throws {
        try await connection.execute(createStaging)
        let data = AsyncStream<[UInt8]> { continuation in
            continuation.yield(rows)
            continuation.finish()
        }
        _ = try await connection.copyIn(copyIntoStaging, from: data)
    }
}
