import ConveyorCore
public import ConveyorPostgres
public import ConveyorQueue
import Foundation

/// The job that finishes an import: the `on_complete` of the batch its chunk jobs make,
/// enqueued once every one of them has finished, whatever became of it. Its kind, defaults and
/// work, shared by the intake that creates the batch and the `import_finish` kind in `jobs/`
/// that runs it.
public enum ImportFinish {
    public static let kind = "import_finish"
    public static let maxAttempts = 25
    public static let timeout = Duration.seconds(60)

    /// Which import to finish.
    public struct Payload: Codable, Sendable, Equatable {
        public var importID: String

        public init(importID: String) {
            self.importID = importID
        }

        enum CodingKeys: String, CodingKey {
            case importID = "import_id"
        }
    }

    /// The batch of import `id`'s chunk jobs, whose id is the import's ULID: `GET
    /// /v1/batches/batch_<import id>` shows how far its jobs have come.
    public static func batchID(of importID: String) throws -> BatchID {
        try BatchID(ulid: importID)
    }

    /// The job that finishes import `importID` of `tenant`, in `queue`: under `id`, or a new id.
    static func request(finishing importID: String, id: JobID? = nil, in queue: QueueName, requestID: String, tenant: String) throws -> JobRequest {
        JobRequest(
            id: id, kind: kind, payload: String(decoding: try JSONEncoder().encode(Payload(importID: importID)), as: UTF8.self), queue: queue,
            maxAttempts: maxAttempts, timeout: timeout, requestID: requestID, tenant: tenant
        )
    }

    /// The job that finishes import `importID`, once every chunk of it is loaded or recorded
    /// failed and the import is not finished; nil until then. It is for a chunk job
    /// in no batch, whose end no batch counts: one of an import accepted before imports made
    /// their chunk jobs a batch, or one enqueued again by hand. Its id is the one the batch's
    /// `on_complete` has, so that whichever of them is enqueued first, the import's finish is
    /// made once.
    public static func request(
        onceEveryChunkEnded importID: String, in queue: QueueName, requestID: String, tenant: String, on connection: PostgresConnection
    ) async throws -> JobRequest? {
        let due = try await connection.query(
            """
            SELECT i.finished_at IS NULL AND NOT EXISTS (
                SELECT FROM conveyor_import_chunks c
                WHERE c.import_id = i.id
                  AND NOT EXISTS (SELECT FROM conveyor_import_ledger l WHERE l.import_id = c.import_id AND l.chunk_number = c.chunk_number)
                  AND NOT EXISTS (
                      SELECT FROM conveyor_import_chunk_failures f WHERE f.import_id = c.import_id AND f.chunk_number = c.chunk_number
                  )
            ) AS due
            FROM conveyor_imports i WHERE i.id = $1 AND i.tenant = $2
            """,
            [importID, tenant]
        ).rows.first?.decode("due", as: Bool.self)
        guard due == true else { return nil }
        return try request(
            finishing: importID, id: try batchID(of: importID).onCompleteJobID(in: queue), in: queue, requestID: requestID, tenant: tenant
        )
    }

    /// Marks import `importID` of `tenant` finished, once every chunk job has finished: a
    /// chunk that is neither loaded nor failed (its job was cancelled, or its last attempt's
    /// worker died) is recorded failed, so that the import's report accounts for every chunk.
    /// Once only: a second call finds it finished and changes nothing.
    /// - Returns: the import.
    /// - Throws: `PermanentJobError` when the import does not exist for `tenant`.
    public static func finish(_ importID: String, of tenant: String, on connection: PostgresConnection) async throws -> FinishedImport {
        try await connection.transaction { connection in
            let record = try await connection.query(
                "SELECT tenant, callback_url FROM conveyor_imports WHERE id = $1 FOR NO KEY UPDATE", [importID]
            ).rows.first
            guard let record, try record.decode("tenant", as: String.self) == tenant else {
                throw PermanentJobError("import \(importID) does not exist for tenant '\(tenant)', whose job this is")
            }
            try await connection.execute(
                """
                INSERT INTO conveyor_import_chunk_failures (import_id, chunk_number, message)
                SELECT c.import_id, c.chunk_number, $2
                FROM conveyor_import_chunks c
                WHERE c.import_id = $1
                  AND NOT EXISTS (SELECT FROM conveyor_import_ledger l WHERE l.import_id = c.import_id AND l.chunk_number = c.chunk_number)
                ON CONFLICT (import_id, chunk_number) DO NOTHING
                """,
                [importID, Self.endedUnloaded]
            )
            try await connection.execute(
                "UPDATE conveyor_imports SET finished_at = clock_timestamp() WHERE id = $1 AND finished_at IS NULL", [importID]
            )
            return FinishedImport(id: importID, callbackURL: try record.decode("callback_url", as: String?.self))
        }
    }

    /// Why a chunk that its job left unloaded, without a failure of its own, failed.
    static let endedUnloaded = "the chunk's job ended without loading it: it was cancelled, or its last attempt's worker stopped"
}
