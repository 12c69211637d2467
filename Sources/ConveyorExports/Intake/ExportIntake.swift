public import ConveyorCore
import ConveyorOutbox
public import ConveyorPostgres
public import ConveyorQueue
import Foundation

/// Accepts export requests for the API: checks the export, format and parameters, records
/// the export as queued together with its `metric_export` job in the job outbox, in one
/// transaction, and delivers the job (see ``JobOutbox``: once the record is committed, its
/// job reaches the queue whatever fails meanwhile). Also reads records and opens their files
/// for the API to serve.
public struct ExportIntake: Sendable {
    public let catalogue: ExportCatalogue
    public let settings: ExportSettings
    private let files: any ExportFileStore
    private let pool: PostgresPool
    private let outbox: JobOutbox
    private let queueName: QueueName

    /// - Parameter queueName: where export jobs go; workers must take jobs from it.
    public init(
        catalogue: ExportCatalogue, settings: ExportSettings, files: any ExportFileStore, pool: PostgresPool, queue: JobQueue,
        queueName: QueueName = .default
    ) {
        self.catalogue = catalogue
        self.settings = settings
        self.files = files
        self.pool = pool
        self.outbox = JobOutbox(pool: pool, queue: queue)
        self.queueName = queueName
    }

    /// Records and enqueues an export of `name` in `format` for `tenant`.
    ///
    /// - Throws: ``ExportRequestError`` for an unknown export or format or bad parameters,
    ///   before anything is stored; a refusing `QueueError` when the queue cannot take the job
    ///   (then the record is withdrawn); `PostgresError`.
    public func request(
        export name: String, format formatName: String, params: [String: JSONValue], tenant: String, requestID: String
    ) async throws -> ExportRecord {
        let format = ExportFormat(rawValue: formatName)
        var issues: [ExportRequestError.Issue] = []
        if format == nil {
            issues.append(.init(field: "format", message: "must be \(ExportFormat.spellings), not '\(formatName)'"))
        }
        let resolved: (ExportDefinition, ExportArguments)?
        do {
            resolved = try catalogue.resolve(name, params: params)
        } catch {
            issues += error.issues
            resolved = nil
        }
        guard let format, let (export, arguments) = resolved, issues.isEmpty else { throw ExportRequestError(issues: issues) }

        let id = ExportStore.makeID()
        let payload = String(decoding: try JSONEncoder().encode(MetricExport.Payload(exportID: id)), as: UTF8.self)
        let job = JobRequest(
            kind: MetricExport.kind, payload: payload, queue: queueName, maxAttempts: MetricExport.maxAttempts, timeout: MetricExport.timeout,
            requestID: requestID, tenant: tenant
        )
        let retention = settings.retention
        let (record, entry) = try await pool.withConnection { connection in
            try await connection.transaction { connection in
                let record = try await ExportStore.create(
                    id: id, tenant: tenant, export: export.name, format: format, arguments: arguments, jobID: job.id,
                    requestID: requestID, retention: retention, on: connection
                )
                guard let record else { throw ExportIDTaken(id: id) }
                return (record, try await JobOutbox.record([job], on: connection))
            }
        }
        _ = try await outbox.deliver(entry) { connection in try await ExportStore.delete(id: id, on: connection) }
        return record
    }

    /// The export `id`, or nil when there is none.
    public func record(id: String) async throws -> ExportRecord? {
        try await pool.withConnection { connection in try await ExportStore.record(id: id, on: connection) }
    }

    /// The exports of `tenant`, or of every tenant when it is nil, the most recently requested
    /// first: from the `offset`th on, at most `limit`.
    public func newest(of tenant: String?, offset: Int, limit: Int) async throws -> [ExportRecord] {
        try await pool.withConnection { connection in try await ExportStore.newest(of: tenant, offset: offset, limit: limit, on: connection) }
    }

    /// A record's file, for reading; nil when it has none (any longer).
    public func file(of record: ExportRecord) async throws -> (any ExportFileReader)? {
        guard let fileName = record.fileName else { return nil }
        return try await files.open(fileName)
    }
}

/// A new export whose id a record has already: ids are random ULIDs, so only a bug makes one.
struct ExportIDTaken: Error, CustomStringConvertible {
    let id: String
    var description: String { "export id \(id) is taken already" }
}
