import ConveyorCore
import ConveyorExternal
import ConveyorOutbox
public import ConveyorPostgres
public import ConveyorQueue
import Foundation
public import Logging
public import NIOCore

/// Accepts imports: reads a body as it streams in, checks every row against its dataset and
/// spools the rows in chunks to a temporary file, then stores the chunks together with the
/// import record and one `batch_create` job per chunk, in the job outbox, in one short
/// PostgreSQL transaction; then it delivers the jobs to the queue, as one batch whose
/// `on_complete` finishes the import (``ImportFinish``). An import is accepted
/// whole or not at all: a body with any bad row stores and enqueues nothing, and a queue
/// that refuses the jobs withdraws the import. Once committed, the jobs reach the queue
/// even if this process dies or Redis fails meanwhile: a relay sends the outbox's pending
/// entries (see ``JobOutbox``). A body takes as long as its client takes to send it; no
/// PostgreSQL connection waits for it.
public struct ImportIntake: Sendable {
    /// Chunks one import may have, so that its jobs go into the queue in one call.
    public static let maxChunks = 10_000

    private let catalogue: DatasetCatalogue
    private let pool: PostgresPool
    private let outbox: JobOutbox
    private let queueName: QueueName
    private let logger: Logger

    /// - Parameter queueName: where the chunk jobs go; workers must take jobs from it.
    public init(catalogue: DatasetCatalogue, pool: PostgresPool, queue: JobQueue, queueName: QueueName, logger: Logger) {
        self.catalogue = catalogue
        self.pool = pool
        self.outbox = JobOutbox(pool: pool, queue: queue)
        self.queueName = queueName
        self.logger = logger
    }

    /// Reads `body`, a stream of rows in `format`, and imports them into `dataset` for `tenant`.
    ///
    /// Memory stays bounded whatever the body's size: a piece of the body and one chunk at a time.
    ///
    /// - Parameter requestID: travels in the chunk jobs into the workers' log lines.
    /// - Throws: ``ImportError`` for an unknown dataset, an option out of range, an empty body, a
    ///   body over `maxBodyBytes`, a malformed body or invalid rows (after reading the whole body,
    ///   listing the first problems with their lines); a refusing `QueueError` (a full queue)
    ///   when the queue cannot take the jobs (then the import is withdrawn); `PostgresError`.
    public func accept<Body: AsyncSequence>(
        dataset name: String, format: ImportFormat, options: ImportOptions, tenant: String, requestID: String,
        maxBodyBytes: Int, body: Body
    ) async throws -> ImportReceipt where Body.Element == ByteBuffer {
        guard let dataset = catalogue.dataset(named: name) else {
            throw ImportError(.unknownDataset, "there is no dataset '\(name)': the datasets are \(catalogue.names.joined(separator: ", "))")
        }
        try options.validate()
        let reader = SharedBodyReader(
            ImportBodyReader(body: body, format: format, dataset: dataset, chunkSize: options.chunkSize, maxBodyBytes: maxBodyBytes)
        )
        return try await accept(Request(dataset: dataset, options: options, tenant: tenant, requestID: requestID), from: reader)
    }

    /// The progress of import `id`; nil when there is no such import.
    public func progress(id: String) async throws -> ImportProgress? {
        try await pool.withConnection { connection in try await ImportProgress.fetch(id: id, on: connection) }
    }

    /// The imports of `tenant`, or of every tenant when it is nil, the newest first, without
    /// their chunks' errors: from the `offset`th on, at most `limit`.
    public func newest(of tenant: String?, offset: Int, limit: Int) async throws -> [ImportProgress] {
        try await pool.withConnection { connection in try await ImportProgress.newest(of: tenant, offset: offset, limit: limit, on: connection) }
    }

    /// What one accept call is about.
    private struct Request {
        let dataset: Dataset
        let options: ImportOptions
        let tenant: String
        let requestID: String
    }

    private func accept<Body>(_ request: Request, from reader: SharedBodyReader<Body>) async throws
        -> ImportReceipt
    {
        let clock = ContinuousClock()
        let start = clock.now
        let id = Self.makeImportID()
        let spool = try SpoolFile()
        let chunkCount: Int
        do {
            guard let first = try await reader.value.nextChunk() else {
                throw reader.value.bytesRead == 0
                    ? ImportError(.emptyBody, "the body is empty: send the rows to import")
                    : ImportError(.emptyBody, "the body has no rows: send at least one")
            }
            chunkCount = try await Self.spool(first, rest: reader, of: id, request, to: spool)
        } catch is ImportBodyReader<Body>.BodyRefused {
            throw try await reader.value.refusal()
        }
        let jobs = try Self.chunkJobs(of: id, count: chunkCount, request, in: queueName)
        let entry = try await store(id, request, chunks: chunkCount, rows: reader.value.rowCount, from: spool, jobs: jobs)
        let delivery = try await outbox.deliver(entry) { connection in
            try await connection.execute("DELETE FROM conveyor_imports WHERE id = $1", [id])
        }
        if delivery == .pending {
            logger.warning("an accepted import's jobs wait in the outbox: the queue could not take them now", metadata: ["import_id": "\(id)"])
        }
        logger.info(
            "import accepted",
            metadata: [
                "import_id": "\(id)", "dataset": "\(request.dataset.name)", "rows": "\(reader.value.rowCount)",
                "chunks": "\(chunkCount)", "bytes": "\(reader.value.bytesRead)", "request_id": "\(request.requestID)",
                "duration_ms": "\(start.duration(to: clock.now).microseconds / 1000)",
            ]
        )
        return ImportReceipt(
            id: id, dataset: request.dataset.name, state: .queued, chunks: chunkCount, rows: reader.value.rowCount,
            onConflict: request.options.onConflict, chunkSize: request.options.chunkSize,
            callbackURL: request.options.callbackURL?.description
        )
    }

    /// Reads the rest of the body, writing every chunk to `spool` as a row of `COPY`'s binary
    /// format; returns the number of chunks.
    private static func spool<Body>(
        _ first: SpooledChunk, rest reader: SharedBodyReader<Body>, of id: String, _ request: Request, to spool: SpoolFile
    ) async throws -> Int {
        let tooManyChunks = ImportError(
            .invalidOption,
            "the body makes more than \(maxChunks) chunks of \(request.options.chunkSize) rows: "
                + "raise chunk_size (up to \(ImportOptions.chunkSizes.upperBound)) or split the import"
        )
        var chunkCount = 0
        for try await row in ChunkRows(importID: id, first: first, reader: reader, tooManyChunks: tooManyChunks) {
            try await spool.append(row)
            chunkCount += 1
        }
        // The last row written is COPY's trailer, not a chunk.
        return chunkCount - 1
    }

    /// Stores the import record, every chunk of `spool` and the chunk jobs' outbox entry, their
    /// batch, in one transaction; returns the entry.
    private func store(_ id: String, _ request: Request, chunks: Int, rows: Int, from spool: SpoolFile, jobs: [JobRequest]) async throws -> Int64 {
        try await pool.withConnection { connection in
            try await connection.transaction { connection in
                try await connection.execute(
                    """
                    INSERT INTO conveyor_imports (id, dataset, tenant, columns, on_conflict, chunk_size, request_id, callback_url, chunk_count, row_count)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """,
                    [
                        id, request.dataset.name, request.tenant, request.dataset.columns.map(\.name).joined(separator: ","),
                        request.options.onConflict.rawValue, request.options.chunkSize, request.requestID,
                        request.options.callbackURL?.description, chunks, rows,
                    ]
                )
                let stored = try await connection.copyIn(SpooledChunk.copyStatement, from: spool.pieces())
                guard stored == chunks else { throw SpoolError(folder: nil, code: EIO) }
                let batch = JobOutbox.Batch(
                    id: try ImportFinish.batchID(of: id), tenant: request.tenant,
                    onComplete: try ImportFinish.request(finishing: id, in: queueName, requestID: request.requestID, tenant: request.tenant)
                )
                return try await JobOutbox.record(jobs, as: batch, on: connection)
            }
        }
    }

    /// One `batch_create` job per chunk.
    private static func chunkJobs(of id: String, count: Int, _ request: Request, in queueName: QueueName) throws -> [JobRequest] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try (1...count).map { chunk in
            JobRequest(
                kind: BatchCreate.kind,
                payload: String(decoding: try encoder.encode(BatchCreate.Payload(importID: id, chunk: chunk)), as: UTF8.self),
                queue: queueName,
                maxAttempts: BatchCreate.maxAttempts,
                timeout: BatchCreate.timeout,
                requestID: request.requestID,
                tenant: request.tenant
            )
        }
    }

    /// A new import id: a ULID, sortable by creation time, made as job ids are.
    private static func makeImportID() -> String {
        ULID.make()
    }
}
