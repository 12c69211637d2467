/// A value that can be sent to PostgreSQL as a query parameter, in PostgreSQL's text format.
///
/// Parameters travel separately from the statement (`PQexecParams`), so their text is never parsed
/// as SQL. To send NULL, pass `nil` (an `Optional` whose value is missing).
public protocol PostgresEncodable: Sendable {
    /// The value as PostgreSQL's input function for the column's type reads it.
    var postgresText: String { get }
}

/// A value that can be read from PostgreSQL's text format, as results arrive.
public protocol PostgresDecodable {
    /// Parses PostgreSQL's text output for the value's type.
    ///
    /// - Throws: ``PostgresDecodingError`` when the text is not a value of this type.
    init(postgresText: String) throws
}
