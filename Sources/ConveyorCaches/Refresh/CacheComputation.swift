/// A value as a refresh computed it: its JSON text and how many rows it was made of.
public struct CacheComputation: Sendable, Equatable {
    public let json: String
    public let rows: Int

    public init(json: String, rows: Int) {
        self.json = json
        self.rows = rows
    }
}

/// A query that ran but did not give a value of the shape its file declares.
public enum CacheComputationError: Error, CustomStringConvertible, Sendable {
    /// A `result row` query returned no row, or several.
    case notOneRow(count: Int)
    /// A `result rows` query's aggregate returned nothing, which PostgreSQL never does.
    case noResult

    public var description: String {
        switch self {
        case .notOneRow(let count):
            "the query returned \(count == 0 ? "no row" : "more than one row") where its file says 'result row': "
                + "make it return exactly one (aggregates without GROUP BY do), or declare 'result rows'"
        case .noResult:
            "the query's aggregate returned no row"
        }
    }
}
