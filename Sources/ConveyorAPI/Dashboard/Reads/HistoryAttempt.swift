import ConveyorPostgres
import Foundation

/// One finished attempt as the workers' history (`conveyor_job_history`) has it.
struct HistoryAttempt: Sendable {
    var jobID: String
    var attempt: Int
    var kind: String
    var queue: String
    var tenant: String
    /// As in the timing line: succeeded, failed, timed_out, …
    var outcome: String
    /// The state the attempt left its job in: succeeded, retrying, dead, queued, scheduled.
    var state: String
    var waitMilliseconds: Double
    var runMilliseconds: Double
    /// Where the run time went, as in the attempt's timing line; nil in rows written before the
    /// history kept them.
    var phases: Phases?
    var finishedAt: Date

    struct Phases: Sendable {
        var databasePoolWait: Double
        var database: Double
        var external: Double
        var redis: Double
    }

    /// The columns ``init(row:)`` reads, for a query's `SELECT`.
    static let columns = "job_id, attempt, kind, queue, tenant, outcome, state, wait_ms, run_ms, db_pool_wait_ms, db_ms, external_ms, redis_ms, finished_at"

    init(row: PostgresRow) throws {
        jobID = try row.decode("job_id")
        attempt = try row.decode("attempt")
        kind = try row.decode("kind")
        queue = try row.decode("queue")
        tenant = try row.decode("tenant")
        outcome = try row.decode("outcome")
        state = try row.decode("state")
        waitMilliseconds = try row.decode("wait_ms")
        runMilliseconds = try row.decode("run_ms")
        if let databasePoolWait = try row.decode("db_pool_wait_ms", as: Double?.self), let database = try row.decode("db_ms", as: Double?.self),
            let external = try row.decode("external_ms", as: Double?.self), let redis = try row.decode("redis_ms", as: Double?.self)
        {
            phases = Phases(databasePoolWait: databasePoolWait, database: database, external: external, redis: redis)
        }
        finishedAt = try row.decode("finished_at")
    }
}
