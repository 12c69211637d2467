public import ConveyorPostgres

/// Deletes what has outlived its retention: the files of expired exports (their records stay
/// one more retention period, so that a download is answered 410 rather than 404), the
/// records after that, and job-history rows older than the history retention.
///
/// It also deletes what attempts left behind: files of the store that no record names and that
/// are older than ``MetricExport/abandonedFileAge`` — the unfinished files of attempts that died
/// while writing, and the files of attempts that died between writing a file and recording it,
/// or between losing to another attempt and deleting their own.
public struct RetentionSweep: Sendable {
    /// What one sweep deleted.
    public struct Outcome: Sendable, Encodable, Equatable {
        /// Of expired exports.
        public var files: Int
        /// Unfinished files of attempts that died while writing them.
        public var partialFiles: Int
        /// Finished files that no record names.
        public var orphanFiles: Int
        public var records: Int
        public var historyRows: Int

        enum CodingKeys: String, CodingKey {
            case files, records
            case partialFiles = "partial_files"
            case orphanFiles = "orphan_files"
            case historyRows = "history_rows"
        }
    }

    private let settings: ExportSettings
    private let files: any ExportFileStore

    public init(settings: ExportSettings, files: any ExportFileStore) {
        self.settings = settings
        self.files = files
    }

    public func run(on connection: PostgresConnection) async throws -> Outcome {
        // The file goes first: a record without its file is answered 410, a file without a record is never served.
        let expired = try await connection.query(
            "SELECT id, file_name FROM conveyor_exports WHERE expires_at <= now() AND file_name IS NOT NULL ORDER BY expires_at LIMIT 10000"
        )
        var expiredFiles = 0
        for row in expired.rows {
            let id: String = try row.decode("id")
            guard try await files.remove(try row.decode("file_name")) else { continue }
            expiredFiles += 1
            try await connection.execute("UPDATE conveyor_exports SET file_name = NULL WHERE id = $1", [id])
        }
        let abandoned = try await deleteAbandonedFiles(on: connection)
        let retentionSeconds = Int(settings.retention.components.seconds)
        let records = try await connection.execute(
            "DELETE FROM conveyor_exports WHERE expires_at <= now() - make_interval(secs => $1) AND file_name IS NULL",
            [retentionSeconds]
        )
        let historyRows = try await connection.execute(
            "DELETE FROM conveyor_job_history WHERE finished_at < now() - make_interval(secs => $1)",
            [Int(settings.historyRetention.components.seconds)]
        )
        return Outcome(
            files: expiredFiles, partialFiles: abandoned.partial, orphanFiles: abandoned.orphans, records: records, historyRows: historyRows
        )
    }

    /// Deletes the store's files that no record names and that are older than
    /// ``MetricExport/abandonedFileAge``: no attempt that could still record them runs so long.
    private func deleteAbandonedFiles(on connection: PostgresConnection) async throws -> (partial: Int, orphans: Int) {
        let stale = try await files.files(olderThan: MetricExport.abandonedFileAge)
        guard !stale.isEmpty else { return (0, 0) }
        // A file's name starts with its export's id, so its record is found by key; no id or
        // file name holds a slash.
        let ids = Set(stale.map { String($0.name.prefix { $0 != "." }) })
        let named = try await connection.query(
            "SELECT file_name FROM conveyor_exports WHERE id = ANY(string_to_array($1, '/')) AND file_name IS NOT NULL",
            [ids.joined(separator: "/")]
        )
        let namedFiles = Set(try named.rows.map { try $0.decode("file_name", as: String.self) })
        var (partial, orphans) = (0, 0)
        for file in stale where !namedFiles.contains(file.name) {
            guard try await files.remove(file.name) else { continue }
            if file.isWhole { orphans += 1 } else { partial += 1 }
        }
        return (partial, orphans)
    }
}
