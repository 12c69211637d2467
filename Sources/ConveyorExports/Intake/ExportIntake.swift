import ConveyorPostgres
import ConveyorQueue
import Foundation

/// Accepts export requests for the API: checks the export, format and parameters, records
/// the export as queued and enqueues its `metric_export` job. Also reads records and finds
/// their files for the API to serve.
public struct ExportIntake: Sendable {
    public let catalogue: ExportCatalogue
    public let settings: ExportSettings
    private let pool: PostgresPool
    private let queue: JobQueue
    private let queueName: QueueName

    /// - Parameter queueName: where export jobs go; workers must take jobs from it.
    public init(catalogue: ExportCatalogue, settings: ExportSettings, pool: PostgresPool, queue: JobQueue, queueName: QueueName = .default) {
        self.catalogue = catalogue
        self.settings = settings
        self.pool = pool
        self.queue = queue
        self.queueName = queueName
    }

    /// Records and enqueues an export of `name` in `format` for `tenant`.
    ///
    /// - Throws: ``ExportRequestError`` for an unknown export or format or bad parameters,
    ///   before anything is stored; `QueueError` when the queue cannot take the job (then the
    ///   record is deleted again); `PostgresError` or Redis errors.
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
        let payload = String(decoding: try JSONEncoder().encode(ExportJob.Payload(exportID: id)), as: UTF8.self)
        let job = JobRequest(
            kind: ExportJob.kind, payload: payload, queue: queueName, maxAttempts: ExportJob.maxAttempts, timeout: ExportJob.timeout,
            requestID: requestID, tenant: tenant
        )
        let record = try await pool.withConnection { connection in
            try await ExportStore.create(
                id: id, tenant: tenant, export: export.name, format: format, arguments: arguments, jobID: job.id,
                requestID: requestID, retention: settings.retention, on: connection
            )
        }
        do {
            _ = try await queue.enqueue([job])
        } catch {
            try? await pool.withConnection { connection in try await ExportStore.delete(id: id, on: connection) }
            throw error
        }
        return record
    }

    /// The export `id`, or nil when there is none.
    public func record(id: String) async throws -> ExportRecord? {
        try await pool.withConnection { connection in try await ExportStore.record(id: id, on: connection) }
    }

    /// The path of a record's file, when it has one.
    public func path(of record: ExportRecord) -> String? {
        record.fileName.map(settings.path(of:))
    }
}
