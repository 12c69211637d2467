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
    var finishedAt: Date

    /// The columns ``init(row:)`` reads, for a query's `SELECT`.
    static let columns = "job_id, attempt, kind, queue, tenant, outcome, state, wait_ms, run_ms, finished_at"

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
        finishedAt = try row.decode("finished_at")
    }
}
