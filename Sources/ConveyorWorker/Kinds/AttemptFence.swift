public import ConveyorCore
public import ConveyorPostgres
import ConveyorQueue

/// Fences one attempt's PostgreSQL transaction against the job's other attempts, through the
/// table `conveyor_job_fences` (`Migrations/0008_job_fences.sql`).
///
/// The attempt claims the job's fence before its transaction begins, and, as the last
/// statement before `COMMIT`, checks that the fence is still its own, holding it until the
/// commit. A newer attempt's claim therefore either comes first, and the older attempt rolls
/// back, or waits for the older attempt's commit, and begins after it: two attempts of a job
/// never commit fenced transactions that overlap, even when one of them stalled past its
/// lease with its transaction open.
public struct AttemptFence: Sendable {
    /// Fences claimed longer ago are deleted by the retention sweep. A stalled attempt that
    /// outlives its fence's row cannot commit either: its final check finds no row.
    public static let retention = Duration.seconds(7 * 24 * 3600)
    /// Once the final check has passed, the server ends the session if it then stays idle
    /// for longer, so a process stopped between the check and its `COMMIT` holds a newer
    /// attempt's claim for no longer than this.
    public static let commitWindowLimit = Duration.seconds(10)

    public let job: String
    public let enqueuedAt: Timestamp
    public let token: Int64

    public init(job: String, enqueuedAt: Timestamp, token: Int64) {
        self.job = job
        self.enqueuedAt = enqueuedAt
        self.token = token
    }

    /// Runs `body` in a transaction on `connection` that commits only while this attempt is the
    /// job's newest to have claimed the fence; throws ``StaleAttemptError`` (having rolled
    /// back) otherwise.
    public func transaction<T: Sendable>(
        on connection: PostgresConnection,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let claimed = try await connection.query(
            """
            INSERT INTO conveyor_job_fences AS fence (job_id, enqueued_at, token) VALUES ($1, $2, $3)
            ON CONFLICT (job_id) DO UPDATE SET enqueued_at = excluded.enqueued_at, token = excluded.token, claimed_at = now()
            WHERE (fence.enqueued_at, fence.token) <= (excluded.enqueued_at, excluded.token)
            RETURNING 1
            """,
            [job, enqueuedAt.microseconds, token]
        )
        guard !claimed.rows.isEmpty else { throw StaleAttemptError(fence: self) }
        return try await connection.transaction { transaction in
            let value = try await body(transaction)
            let held = try await transaction.query(
                """
                SELECT set_config('idle_in_transaction_session_timeout', $4, true) FROM conveyor_job_fences
                WHERE job_id = $1 AND enqueued_at = $2 AND token = $3
                FOR SHARE
                """,
                [job, enqueuedAt.microseconds, token, String(Self.commitWindowLimit.components.seconds * 1000)]
            )
            guard !held.rows.isEmpty else { throw StaleAttemptError(fence: self) }
            return value
        }
    }

    /// Deletes up to `limit` fences claimed longer ago than ``retention``; returns how many.
    public static func sweep(on connection: PostgresConnection, limit: Int = 10_000) async throws -> Int {
        try await connection.execute(
            """
            DELETE FROM conveyor_job_fences WHERE job_id IN (
                SELECT job_id FROM conveyor_job_fences
                WHERE claimed_at < now() - make_interval(secs => $1)
                ORDER BY claimed_at
                LIMIT $2
            )
            """,
            [Int(retention.components.seconds), limit]
        )
    }
}

/// A newer attempt of the job claimed its fence: this attempt's transaction was rolled back,
/// and its outcome will be refused by its lost lease.
public struct StaleAttemptError: Error, CustomStringConvertible {
    public let fence: AttemptFence

    public var description: String {
        "attempt with fencing token \(fence.token) of job \(fence.job) was superseded by a newer attempt; its transaction was rolled back"
    }
}
