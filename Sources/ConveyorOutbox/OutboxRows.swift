public import ConveyorPostgres
public import Foundation

/// What an operator sees of `conveyor_outbox` and does with its failed rows
/// (`conveyor outbox`).
public enum OutboxRows {
    /// The table at a glance.
    public struct Summary: Sendable, Equatable {
        /// Rows waiting for a relay, those put off included.
        public var pending: Int
        /// Pending rows that the queue refused and that wait before they are sent again.
        public var putOff: Int
        /// Seconds since the oldest pending row was inserted; nil with none.
        public var oldestPendingAge: Double?
        /// Rows that can never become jobs as written.
        public var failed: Int
    }

    /// A row that failed, with the reason.
    public struct FailedRow: Sendable, Equatable {
        public var id: UUID
        public var kind: String
        public var queue: String?
        public var tenant: String
        public var failedAt: Date
        public var error: String
    }

    public static func summary(in pool: PostgresPool) async throws -> Summary {
        let row = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT count(*) FILTER (WHERE failed_at IS NULL) AS pending,
                    count(*) FILTER (WHERE failed_at IS NULL AND relay_after > now()) AS put_off,
                    extract(epoch FROM now() - min(created_at) FILTER (WHERE failed_at IS NULL))::float8 AS oldest_age,
                    count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
                FROM conveyor_outbox
                """
            ).rows[0]
        }
        return Summary(
            pending: try row.decode("pending"), putOff: try row.decode("put_off"), oldestPendingAge: try row.decode("oldest_age", as: Double?.self),
            failed: try row.decode("failed")
        )
    }

    /// The failed rows, the latest to fail first, at most `limit`.
    public static func failed(in pool: PostgresPool, limit: Int) async throws -> [FailedRow] {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT id, kind, queue, tenant, failed_at, error FROM conveyor_outbox
                WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, id LIMIT $1
                """,
                [limit]
            ).rows
        }
        return try rows.map { row in
            FailedRow(
                id: try row.decode("id"), kind: try row.decode("kind"), queue: try row.decode("queue", as: String?.self),
                tenant: try row.decode("tenant"), failedAt: try row.decode("failed_at"), error: try row.decode("error", as: String?.self) ?? ""
            )
        }
    }

    /// Which failed rows an operator acts on.
    public enum Selection: Sendable {
        case ids([UUID])
        case all
    }

    /// Makes the selected failed rows pending again, for a relay to try once more (after
    /// the operator fixed them, or deployed the kind they name).
    /// - Returns: the rows made pending.
    public static func retry(_ selection: Selection, in pool: PostgresPool) async throws -> Int {
        try await apply("UPDATE conveyor_outbox SET failed_at = NULL, error = NULL, relay_after = NULL", to: selection, in: pool)
    }

    /// Deletes the selected failed rows.
    /// - Returns: the rows deleted.
    public static func drop(_ selection: Selection, in pool: PostgresPool) async throws -> Int {
        try await apply("DELETE FROM conveyor_outbox", to: selection, in: pool)
    }

    private static func apply(_ statement: String, to selection: Selection, in pool: PostgresPool) async throws -> Int {
        try await pool.withConnection { connection in
            switch selection {
            case .all:
                try await connection.execute("\(statement) WHERE failed_at IS NOT NULL")
            case .ids(let ids):
                try await connection.execute(
                    "\(statement) WHERE failed_at IS NOT NULL AND id = ANY($1::uuid[])", [ApplicationOutbox.array(ids)]
                )
            }
        }
    }
}
