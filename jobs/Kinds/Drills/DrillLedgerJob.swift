import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
public import ConveyorWorker

/// Writes one row per attempt to `drill_ledger` (jobs/migrations/1002_drill_ledger.sql) in a
/// fenced transaction (``JobContext/withFencedTransaction(_:)``) that lasts `ms`: the job's id, the attempt's fencing token and
/// number, when the transaction started and when it was about to commit. Only committed
/// attempts leave a row, so the chaos drill (ops/drill/chaos) reads from the table every
/// attempt whose effect took hold: two of one job whose intervals overlap ran at once, one
/// after the other is a re-run.
public struct DrillLedgerJob: JobKind {
    public struct Payload: Codable, Sendable {
        /// How long the transaction lasts, in milliseconds (0 to 60,000).
        public var ms: Int
        /// Runs the transaction where cancellation does not reach it, as a kind whose
        /// database client ignores it would: the attempt goes on to its commit after it was
        /// told to stop, and only the fence keeps it from committing.
        public var stubborn: Bool?
    }

    public struct Output: Codable, Sendable {
        public var token: Int64
        public var attempt: Int
    }

    public static let name = "drill.ledger"
    // Attempts to spare: the drill restarts PostgreSQL and Redis under it, and every job it
    // enqueues must end succeeded.
    public static let options = JobKindOptions(
        maxAttempts: 25, timeout: .seconds(120), backoff: RetryBackoff(base: .milliseconds(200), maximum: .seconds(2)),
        visibility: .drill
    )

    public init() {}

    public static func validate(_ payload: Payload) throws {
        guard (0...60_000).contains(payload.ms) else {
            throw PermanentJobError("'ms' must be between 0 and 60000, not \(payload.ms)")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Output {
        let token = try context.numericToken()
        let job = context.id.description
        let write: @Sendable () async throws -> Void = {
            try await context.withFencedTransaction { transaction in
                try await transaction.execute(
                    "INSERT INTO drill_ledger (job_id, token, attempt, started_at) VALUES ($1, $2, $3, now())",
                    [job, token, context.attempt]
                )
                // The effect stays uncommitted for the whole sleep: an attempt that another
                // worker's attempt overlaps must roll back, or commit before the other begins.
                try await Task.sleep(for: .milliseconds(payload.ms))
                try await transaction.execute(
                    "UPDATE drill_ledger SET committed_at = clock_timestamp() WHERE job_id = $1 AND token = $2",
                    [job, token]
                )
            }
        }
        if payload.stubborn == true {
            try await uncancelled(write)
        } else {
            try await write()
        }
        return Output(token: token, attempt: context.attempt)
    }
}
