import ConveyorPostgres
import Foundation

/// The latest finished attempts from the workers' history (`conveyor_job_history`) of one
/// tenant, or of one API request by its request id, by kind, queue and the state each left its
/// job in: how the jobs page finds jobs by kind, state, tenant and request id. The table is
/// indexed by tenant and time and by request id and time, so a search looks through the newest
/// ``window`` attempts of the tenant, or of the request, and no further.
struct RecentAttempts: Sendable {
    struct Filter: Sendable {
        /// Nil for every tenant's, which a search by request id alone allows.
        var tenant: String?
        /// The `X-Request-ID` of the API request that enqueued the jobs (or the one the API made).
        var requestID: String?
        var kind: String?
        var queue: String?
        /// The state the attempt left its job in: succeeded, retrying, dead, queued, scheduled.
        var state: String?
    }

    /// The newest attempts of a tenant, or of a request id, that a search looks through.
    static let window = 100_000
    static let states = ["succeeded", "retrying", "dead", "queued", "scheduled"]

    /// Attempts matching `filter`, newest first, from `offset`, at most `limit`. A filter with
    /// neither a tenant nor a request id matches nothing.
    static func search(_ filter: Filter, offset: Int, limit: Int, in database: PostgresPool) async throws -> [HistoryAttempt] {
        // The request id index holds only rows that have one, which the planner must be told.
        let newest = filter.requestID == nil ? "tenant = $1" : "request_id = $1 AND request_id <> ''"
        let result = try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT \(HistoryAttempt.columns) FROM (
                    SELECT * FROM conveyor_job_history WHERE \(newest) ORDER BY finished_at DESC LIMIT \(window)
                ) AS recent
                WHERE ($2::text IS NULL OR tenant = $2) AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR queue = $4)
                  AND ($5::text IS NULL OR state = $5)
                ORDER BY finished_at DESC OFFSET \(offset) LIMIT \(limit)
                """,
                [filter.requestID ?? filter.tenant, filter.tenant, filter.kind, filter.queue, filter.state]
            )
        }
        return try result.rows.map(HistoryAttempt.init(row:))
    }
}
