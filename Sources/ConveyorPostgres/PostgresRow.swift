/// One row of a result, in PostgreSQL's text format, read by column name.
public struct PostgresRow: Sendable {
    let columns: PostgresColumns
    let values: [String?]

    /// The column's value as `type`.
    ///
    /// - Throws: ``PostgresDecodingError`` naming the column and the type when the column is missing,
    ///   NULL, or its text is not a `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = try self.decode(column, as: T?.self) else {
            throw PostgresDecodingError(column: column, type: "\(T.self)", text: nil, reason: "the value is NULL")
        }
        return value
    }

    /// The column's value as `type`, or nil when it is NULL.
    ///
    /// - Throws: ``PostgresDecodingError`` naming the column and the type when the column is missing
    ///   or its text is not a `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T?.Type) throws -> T? {
        guard let index = self.columns.index(of: column) else {
            throw PostgresDecodingError(
                column: column,
                type: "\(T.self)",
                text: nil,
                reason: "the result has no such column; it has \(self.columns.names.joined(separator: ", "))"
            )
        }
        guard let text = self.values[index] else { return nil }
        do {
            return try T(postgresText: text)
        } catch var error as PostgresDecodingError {
            error.column = column
            throw error
        } catch {
            throw PostgresDecodingError(column: column, type: "\(T.self)", text: text, reason: "\(error)")
        }
    }

    /// Whether the column is NULL; a column the result lacks counts as NULL.
    public func isNull(_ column: String) -> Bool {
        self.columns.index(of: column).map { self.values[$0] == nil } ?? true
    }

    /// The text of the column at `index`, nil for NULL.
    public subscript(_ index: Int) -> String? {
        self.values[index]
    }
}
