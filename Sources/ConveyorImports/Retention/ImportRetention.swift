public import ConveyorPostgres

/// How long an import's records stay once it is over: the import, its chunks (whose spooled
/// rows are dropped as each loads), its ledger and its failures. An import counts as over
/// when it finished, or, for one that never finished, when it was accepted: after the
/// retention, one still unfinished was left behind by a fault and will not finish.
public struct ImportRetention: Sendable {
    /// The default, 30 days.
    public static let defaultRetention = Duration.seconds(30 * 24 * 3600)

    public let retention: Duration

    public init(retention: Duration = Self.defaultRetention) {
        self.retention = retention
    }

    /// Deletes up to `limit` imports over for longer than the retention, with their chunks,
    /// ledger and failures; returns how many.
    public func sweep(on connection: PostgresConnection, limit: Int = 10_000) async throws -> Int {
        try await connection.execute(
            """
            DELETE FROM conveyor_imports WHERE id IN (
                SELECT id FROM conveyor_imports
                WHERE coalesce(finished_at, accepted_at) < now() - make_interval(secs => $1)
                ORDER BY accepted_at
                LIMIT $2
            )
            """,
            [Int(retention.components.seconds), limit]
        )
    }
}
