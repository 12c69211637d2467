import ConveyorPostgres
import Glibc
import NIOPosix

/// Deletes what has outlived its retention: the files of expired exports (their records stay
/// one more retention period, so that a download is answered 410 rather than 404), the
/// records after that, and job-history rows older than the history retention.
public struct RetentionSweep: Sendable {
    /// What one sweep deleted.
    public struct Outcome: Sendable, Encodable, Equatable {
        public var files: Int
        public var records: Int
        public var historyRows: Int

        enum CodingKeys: String, CodingKey {
            case files, records
            case historyRows = "history_rows"
        }
    }

    private let settings: ExportSettings
    private let threadPool: NIOThreadPool

    public init(settings: ExportSettings, threadPool: NIOThreadPool = .singleton) {
        self.settings = settings
        self.threadPool = threadPool
    }

    public func run(on connection: PostgresConnection) async throws -> Outcome {
        // The file goes first: a record without its file is answered 410, a file without a record is never served.
        let expired = try await connection.query(
            "SELECT id, file_name FROM conveyor_exports WHERE expires_at <= now() AND file_name IS NOT NULL ORDER BY expires_at LIMIT 10000"
        )
        var files = 0
        for row in expired.rows {
            let id: String = try row.decode("id")
            let path = settings.path(of: try row.decode("file_name"))
            let removed = try await threadPool.runIfActive { unlink(path) == 0 || errno == ENOENT }
            guard removed else { continue }
            files += 1
            try await connection.execute("UPDATE conveyor_exports SET file_name = NULL WHERE id = $1", [id])
        }
        let retentionSeconds = Int(settings.retention.components.seconds)
        let records = try await connection.execute(
            "DELETE FROM conveyor_exports WHERE expires_at <= now() - make_interval(secs => $1) AND file_name IS NULL",
            [retentionSeconds]
        )
        let historyRows = try await connection.execute(
            "DELETE FROM conveyor_job_history WHERE finished_at < now() - make_interval(secs => $1)",
            [Int(settings.historyRetention.components.seconds)]
        )
        return Outcome(files: files, records: records, historyRows: historyRows)
    }
}
