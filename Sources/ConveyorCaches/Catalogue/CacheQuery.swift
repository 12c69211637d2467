import ConveyorPostgres

/// The SQL of a cached value, its `:tenant` placeholders already turned into `$1` (and
/// `:source`, in a value with a source, into `$2`), and the shape of its result.
public struct CacheQuery: Sendable {
    /// The query as written in the file, with `$1` for `:tenant` and `$2` for `:source`.
    public let sql: String
    public let shape: CacheResultShape

    public init(sql: String, shape: CacheResultShape) {
        self.sql = sql
        self.shape = shape
    }

    /// The statement that runs: PostgreSQL itself turns the rows into JSON text (so numbers,
    /// nulls and timestamps keep their types), next to the number of rows.
    var statement: String {
        switch shape {
        case .row:
            // Two rows are enough to tell one row from several.
            "SELECT row_to_json(cache_row)::text AS value, 1 AS row_count FROM (\n\(sql)\n) AS cache_row LIMIT 2"
        case .rows:
            // string_agg rather than json_agg, which puts a line break between elements.
            "SELECT '[' || coalesce(string_agg(row_to_json(cache_row)::text, ','), '') || ']' AS value, count(*) AS row_count "
                + "FROM (\n\(sql)\n) AS cache_row"
        }
    }

    /// Runs the query for `tenant` and returns the value's JSON and the rows it came from.
    ///
    /// - Parameter source: the fetched document, for a value with a source.
    /// - Throws: ``CacheComputationError`` when a `row` query does not return exactly one
    ///   row, or the connection's errors.
    func run(for tenant: String, source: String?, on connection: PostgresConnection) async throws -> CacheComputation {
        var parameters: [(any PostgresEncodable)?] = [tenant]
        if let source { parameters.append(source) }
        let result = try await connection.query(statement, parameters)
        switch shape {
        case .row:
            guard result.rows.count == 1, let json = result.rows[0][0] else {
                throw CacheComputationError.notOneRow(count: result.rows.count)
            }
            return CacheComputation(json: json, rows: 1)
        case .rows:
            guard let row = result.rows.first, let json = row[0], let count = row[1].flatMap(Int.init) else {
                throw CacheComputationError.noResult
            }
            return CacheComputation(json: json, rows: count)
        }
    }
}
