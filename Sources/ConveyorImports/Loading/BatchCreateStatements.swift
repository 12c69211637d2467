import ConveyorPostgres

/// The SQL that loads a chunk of one dataset: a staging table shaped like the rows, and the
/// `INSERT … SELECT … ON CONFLICT` from it into the target, counting what it did.
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

    init(dataset: Dataset, onConflict: ConflictAction) {
        let columns = dataset.columns.map { Identifier.quoted($0.name) }
        let stagingColumns = dataset.columns.map { "\(Identifier.quoted($0.name)) \($0.type.sqlType)" }
        createStaging =
            "CREATE TEMPORARY TABLE \(Self.stagingTable) (\(Self.lineColumn) bigint, \(stagingColumns.joined(separator: ", "))) ON COMMIT DROP"
        copyIntoStaging = "COPY \(Self.stagingTable) FROM STDIN"

        let tenant = Identifier.quoted(dataset.tenantColumn)
        let key = dataset.key.map(Identifier.quoted)
        // The tenant is the same for every row, so the rest of the key tells rows apart. Rows are
        // written in key order, so that chunks writing the same keys lock them in the same order.
        let rowKey = dataset.key.filter { $0 != dataset.tenantColumn }.map(Identifier.quoted).joined(separator: ", ")
        let updatable = dataset.columns.map(\.name).filter { !dataset.key.contains($0) }.map(Identifier.quoted)
        let selection: String
        let conflict: String
        if onConflict == .update, !updatable.isEmpty {
            // Of rows repeating a key within the chunk, the last one wins; a row that would not
            // change anything is not written, and so counts as skipped.
            selection = "SELECT DISTINCT ON (\(rowKey)) $1, \(columns.joined(separator: ", ")) FROM \(Self.stagingTable)"
            conflict = """
                ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE
                    SET \(updatable.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
                    WHERE (\(updatable.map { "target.\($0)" }.joined(separator: ", ")))
                        IS DISTINCT FROM (\(updatable.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))
                """
        } else {
            selection = "SELECT $1, \(columns.joined(separator: ", ")) FROM \(Self.stagingTable)"
            conflict = "ON CONFLICT (\(key.joined(separator: ", "))) DO NOTHING"
        }
        let order = onConflict == .update ? "\(Self.lineColumn) DESC" : Self.lineColumn
        func makeInsert(filter: String) -> String {
            """
            WITH written AS (
                INSERT INTO \(Identifier.quoted(dataset.table)) AS target (\(tenant), \(columns.joined(separator: ", ")))
                \(selection)
                \(filter)
                ORDER BY \(rowKey), \(order)
                \(conflict)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
            FROM written
            """
        }
        insert = makeInsert(filter: "")
        insertUpToLine = makeInsert(filter: "WHERE \(Self.lineColumn) <= $2")
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
