import ConveyorPostgres
import Foundation

/// The latest finished attempts of one tenant from the workers' history
/// (`conveyor_job_history`), by kind, queue and the state each left its job in: how the
/// jobs page finds jobs by kind, state and tenant. The table is indexed by tenant and time,
/// so the search looks through the tenant's newest ``window`` attempts and no further.
struct RecentAttempts: Sendable {
    struct Filter: Sendable {
        var tenant: String
        var kind: String?
        var queue: String?
        /// The state the attempt left its job in: succeeded, retrying, dead, queued, scheduled.
        var state: String?
    }

    /// The newest attempts of a tenant that a search looks through.
    static let window = 100_000
    static let states = ["succeeded", "retrying", "dead", "queued", "scheduled"]

    /// Attempts matching `filter`, newest first, from `offset`, at most `limit`.
    static func search(_ filter: Filter, offset: Int, limit: Int, in database: PostgresPool) async throws -> [HistoryAttempt] {
        let result = try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT \(HistoryAttempt.columns) FROM (
                    SELECT * FROM conveyor_job_history WHERE tenant = $1 ORDER BY finished_at DESC LIMIT \(window)
                ) AS recent
                WHERE ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR queue = $3) AND ($4::text IS NULL OR state = $4)
                ORDER BY finished_at DESC OFFSET \(offset) LIMIT \(limit)
                """,
                [filter.tenant, filter.kind, filter.queue, filter.state]
            )
        }
        return try result.rows.map(HistoryAttempt.init(row:))
    }
}
