import ConveyorCore
public import ConveyorPostgres
public import ConveyorQueue
import Foundation

/// The statements on `conveyor_exports`: each takes the connection to run on, so that a job
/// measures them as its database time.
public enum ExportStore {
    /// Adds a queued export, run by job `jobID`, that expires `retention` from now unless it finishes before
    /// (finishing moves the expiry to `retention` after the finish).
    /// - Returns: the record, or nil when an export `id` exists already (an earlier attempt
    ///   of a scheduled export's job made it, or one running beside this one).
    public static func create(
        id: String, tenant: String, export: String, format: ExportFormat, arguments: ExportArguments, jobID: JobID, requestID: String,
        retention: Duration, on connection: PostgresConnection
    ) async throws -> ExportRecord? {
        let result = try await connection.query(
            """
            INSERT INTO conveyor_exports (id, tenant, export, format, params, job_id, request_id, expires_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, now() + make_interval(secs => $8))
            ON CONFLICT (id) DO NOTHING
            RETURNING \(ExportRecord.columns)
            """,
            [id, tenant, export, format.rawValue, arguments.json.text, jobID.description, requestID, Int(retention.components.seconds)]
        )
        return try result.rows.first.map(ExportRecord.init(row:))
    }

    /// The export `id`, or nil when there is none.
    public static func record(id: String, on connection: PostgresConnection) async throws -> ExportRecord? {
        let result = try await connection.query("SELECT \(ExportRecord.columns) FROM conveyor_exports WHERE id = $1", [id])
        return try result.rows.first.map(ExportRecord.init(row:))
    }

    /// The exports of `tenant`, or of every tenant when it is nil, the most recently requested
    /// first: from the `offset`th on, at most `limit`. The records are indexed by tenant and
    /// time and by time, so a page reads its own records and no others.
    public static func newest(of tenant: String?, offset: Int, limit: Int, on connection: PostgresConnection) async throws -> [ExportRecord] {
        let records =
            tenant == nil
            ? "SELECT \(ExportRecord.columns) FROM conveyor_exports ORDER BY requested_at DESC, id DESC OFFSET $1 LIMIT $2"
            : "SELECT \(ExportRecord.columns) FROM conveyor_exports WHERE tenant = $3 ORDER BY requested_at DESC, id DESC OFFSET $1 LIMIT $2"
        let parameters: [(any PostgresEncodable)?] = [offset, limit] + (tenant.map { [$0] } ?? [])
        let result = try await connection.query(records, parameters)
        return try result.rows.map(ExportRecord.init(row:))
    }

    /// Marks the export running and answers its record; nil when it is not waiting to run
    /// (already finished by an earlier delivery of its job, or deleted).
    public static func start(id: String, on connection: PostgresConnection) async throws -> ExportRecord? {
        let result = try await connection.query(
            """
            UPDATE conveyor_exports SET state = 'running', started_at = now()
            WHERE id = $1 AND state IN ('queued', 'running')
            RETURNING \(ExportRecord.columns)
            """,
            [id]
        )
        return try result.rows.first.map(ExportRecord.init(row:))
    }

    /// Records the finished file, its name, rows, size and SHA-256 at once, unless the export
    /// has finished already (another attempt's file is recorded, or it failed for good);
    /// the export expires `retention` from now. Answers whether the file was recorded.
    ///
    /// The first file recorded stays: a client may be downloading it, or hold its `ETag`.
    public static func succeed(id: String, file: ExportFile, retention: Duration, on connection: PostgresConnection) async throws -> Bool {
        try await connection.execute(
            """
            UPDATE conveyor_exports
            SET state = 'succeeded', error = NULL, rows = $2, bytes = $3, sha256 = $4, file_name = $5,
                finished_at = now(), expires_at = now() + make_interval(secs => $6)
            WHERE id = $1 AND state IN ('queued', 'running')
            """,
            [id, file.rows, file.bytes, file.sha256, file.fileName, Int(retention.components.seconds)]
        ) == 1
    }

    /// Records a failed attempt: `isFinal` fails the export for good, otherwise it waits for
    /// the retry with the error shown.
    public static func recordFailure(id: String, error: String, isFinal: Bool, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE conveyor_exports
            SET state = CASE WHEN $3 THEN 'failed' ELSE 'queued' END, error = $2,
                finished_at = CASE WHEN $3 THEN now() END
            WHERE id = $1 AND state IN ('queued', 'running')
            """,
            [id, error, isFinal]
        )
    }

    /// Deletes the export `id`: an intake whose job could not be enqueued takes it back.
    public static func delete(id: String, on connection: PostgresConnection) async throws {
        try await connection.execute("DELETE FROM conveyor_exports WHERE id = $1", [id])
    }

    /// A new export id: 26 characters, sortable by time.
    public static func makeID() -> String {
        ULID.make()
    }
}

extension JSONValue {
    /// Compact JSON text.
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
