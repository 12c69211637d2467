/// Everything a statement returned: its columns, its rows, and how many rows it affected.
public struct PostgresQueryResult: Sendable {
    /// The names of the result's columns, in order; empty for statements that return no rows.
    public let columns: [String]
    /// The rows, in the order the server sent them.
    public let rows: [PostgresRow]
    /// The count from the command tag: rows inserted, updated, deleted, selected or copied.
    public let affectedRows: Int
    /// The command tag, such as `INSERT 0 3` or `ROLLBACK`.
    public let commandTag: String

    init(columns: PostgresColumns, rows: [[String?]], affectedRows: Int, commandTag: String) {
        self.columns = columns.names
        self.rows = rows.map { PostgresRow(columns: columns, values: $0) }
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }
}
