import ConveyorCore
public import ConveyorPostgres
import ConveyorQueue
import Foundation

/// How far an import has got, from its record, the ledger of loaded chunks and the chunks
/// that failed. Read on demand, so it moves as each chunk commits.
public struct ImportProgress: Encodable, Sendable {
    public struct Chunks: Encodable, Sendable, Equatable {
        public let total: Int
        /// Loaded and committed.
        public let done: Int
        /// Failed for good (their jobs are dead); see ``ImportProgress/errors``.
        public let failed: Int
    }

    public struct Rows: Encodable, Sendable, Equatable {
        public let total: Int
        public let inserted: Int
        public let updated: Int
        /// Already in the table (`on_conflict=skip`), unchanged, or repeated within their chunk.
        public let skipped: Int
        /// In failed chunks.
        public let failed: Int
    }

    /// Why a chunk failed.
    public struct ChunkError: Encodable, Sendable, Equatable {
        public let chunk: Int
        /// The body line of the row PostgreSQL refused, when it could be told.
        public let line: Int?
        public let message: String
        public let failedAt: String

        enum CodingKeys: String, CodingKey {
            case chunk, line, message
            case failedAt = "failed_at"
        }
    }

    /// At most this many chunk errors are listed.
    public static let errorLimit = 100

    public let id: String
    public let dataset: String
    public let tenant: String
    public let state: ImportState
    public let onConflict: ConflictAction
    public let chunks: Chunks
    public let rows: Rows
    /// RFC 3339 times: when the import was accepted, when its first chunk started, and when
    /// its last chunk finished (nil until every chunk is done or failed).
    public let acceptedAt: String
    public let startedAt: String?
    public let finishedAt: String?
    /// Rows loaded (inserted, updated or skipped) per second since the first chunk started.
    public let rowsPerSecond: Int?
    public let errors: [ChunkError]
    public let requestID: String
    /// Where the final record goes once the import finishes, if anywhere.
    public let callbackURL: String?

    enum CodingKeys: String, CodingKey {
        case id, dataset, tenant, state, chunks, rows, errors
        case onConflict = "on_conflict"
        case acceptedAt = "accepted_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case rowsPerSecond = "rows_per_second"
        case requestID = "request_id"
        case callbackURL = "callback_url"
    }

    /// The progress of import `id`; nil when there is no such import.
    public static func fetch(id: String, on connection: PostgresConnection) async throws -> ImportProgress? {
        let summary = try await connection.query(summaries(of: "SELECT * FROM conveyor_imports WHERE id = $1"), [id])
        guard let row = summary.rows.first else { return nil }
        let errors = try await connection.query(
            """
            SELECT chunk_number, line, message, failed_at
            FROM conveyor_import_chunk_failures f
            WHERE import_id = $1
              AND NOT EXISTS (
                  SELECT FROM conveyor_import_ledger l
                  WHERE l.import_id = f.import_id AND l.chunk_number = f.chunk_number
              )
            ORDER BY chunk_number
            LIMIT \(errorLimit)
            """,
            [id]
        )
        return try ImportProgress(
            summary: row,
            errors: errors.rows.map { error in
                ChunkError(
                    chunk: try error.decode("chunk_number"),
                    line: try error.decode("line", as: Int?.self),
                    message: try error.decode("message"),
                    failedAt: Self.rfc3339(try error.decode("failed_at"))
                )
            }
        )
    }

    /// The imports of `tenant`, or of every tenant when it is nil, the newest first: from the
    /// `offset`th on, at most `limit`, each without its chunks' errors (``fetch(id:on:)`` reads
    /// them). The imports are indexed by tenant and time and by time, so a page reads its own
    /// imports' chunks and no others.
    public static func newest(of tenant: String?, offset: Int, limit: Int, on connection: PostgresConnection) async throws -> [ImportProgress] {
        let page =
            tenant == nil
            ? "SELECT * FROM conveyor_imports ORDER BY accepted_at DESC, id DESC OFFSET $1 LIMIT $2"
            : "SELECT * FROM conveyor_imports WHERE tenant = $3 ORDER BY accepted_at DESC, id DESC OFFSET $1 LIMIT $2"
        let parameters: [(any PostgresEncodable)?] = [offset, limit] + (tenant.map { [$0] } ?? [])
        let result = try await connection.query(summaries(of: page) + " ORDER BY i.accepted_at DESC, i.id DESC", parameters)
        return try result.rows.map { try ImportProgress(summary: $0, errors: []) }
    }

    /// The query of the summaries of the imports that `imports`, a query of rows of
    /// `conveyor_imports`, selects: each one's chunks loaded and failed and their rows.
    private static func summaries(of imports: String) -> String {
        // A failure recorded for a chunk that a duplicate delivery loaded after all does not count.
        """
        SELECT i.id, i.dataset, i.tenant, i.on_conflict, i.request_id, i.callback_url, i.chunk_count, i.row_count,
               i.accepted_at, i.started_at, now() AS now,
               loaded.chunks AS chunks_done, loaded.inserted, loaded.updated, loaded.skipped,
               loaded.last_finished_at,
               failed.chunks AS chunks_failed, failed.rows AS rows_failed, failed.last_failed_at
        FROM (\(imports)) i
        CROSS JOIN LATERAL (
            SELECT count(*) AS chunks, coalesce(sum(inserted), 0) AS inserted,
                   coalesce(sum(updated), 0) AS updated, coalesce(sum(skipped), 0) AS skipped,
                   max(finished_at) AS last_finished_at
            FROM conveyor_import_ledger
            WHERE import_id = i.id
        ) loaded
        CROSS JOIN LATERAL (
            SELECT count(*) AS chunks, coalesce(sum(c.row_count), 0) AS rows, max(f.failed_at) AS last_failed_at
            FROM conveyor_import_chunk_failures f
            JOIN conveyor_import_chunks c USING (import_id, chunk_number)
            WHERE f.import_id = i.id
              AND NOT EXISTS (
                  SELECT FROM conveyor_import_ledger l
                  WHERE l.import_id = f.import_id AND l.chunk_number = f.chunk_number
              )
        ) failed
        """
    }

    /// An import's progress from its row of ``summaries(of:)``.
    private init(summary row: PostgresRow, errors: [ChunkError]) throws {
        let chunks = Chunks(
            total: try row.decode("chunk_count"), done: try row.decode("chunks_done"), failed: try row.decode("chunks_failed")
        )
        let rows = Rows(
            total: try row.decode("row_count"), inserted: try row.decode("inserted"), updated: try row.decode("updated"),
            skipped: try row.decode("skipped"), failed: try row.decode("rows_failed")
        )
        let startedAt = try row.decode("started_at", as: Date?.self)
        let isFinished = chunks.done + chunks.failed == chunks.total
        let finishedAt: Date? =
            isFinished
            ? [try row.decode("last_finished_at", as: Date?.self), try row.decode("last_failed_at", as: Date?.self)]
                .compactMap { $0 }.max()
            : nil
        let state: ImportState =
            if isFinished {
                chunks.failed == 0 ? .succeeded : chunks.done == 0 ? .failed : .partiallyFailed
            } else {
                startedAt == nil ? .queued : .running
            }
        var rowsPerSecond: Int?
        if let startedAt {
            let seconds = try (finishedAt ?? row.decode("now", as: Date.self)).timeIntervalSince(startedAt)
            if seconds > 0 { rowsPerSecond = Int(Double(rows.inserted + rows.updated + rows.skipped) / seconds) }
        }
        id = try row.decode("id")
        dataset = try row.decode("dataset")
        tenant = try row.decode("tenant")
        self.state = state
        onConflict = ConflictAction(rawValue: try row.decode("on_conflict")) ?? .skip
        self.chunks = chunks
        self.rows = rows
        acceptedAt = Self.rfc3339(try row.decode("accepted_at"))
        self.startedAt = startedAt.map(Self.rfc3339)
        self.finishedAt = finishedAt.map(Self.rfc3339)
        self.rowsPerSecond = rowsPerSecond
        self.errors = errors
        requestID = try row.decode("request_id")
        callbackURL = try row.decode("callback_url", as: String?.self)
    }

    /// RFC 3339 in UTC to the microsecond, as job records show times.
    private static func rfc3339(_ date: Date) -> String {
        Timestamp(date).description
    }
}
