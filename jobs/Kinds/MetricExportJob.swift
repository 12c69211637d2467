import ConveyorCore
public import ConveyorExports
import ConveyorPostgres
import ConveyorQueue
public import ConveyorWorker

/// Runs one export: marks its record running, streams its query into a file of the export
/// file store and records the file's name, rows, size and SHA-256 (see ``ExportRunner``); an
/// attempt that finishes after another attempt of the same export deletes its file. An export
/// whose parameters no longer fit its file fails at once; a failing query is retried, and
/// the record shows the last error.
///
/// A scheduled job names the export itself (`{"export": "inventory-by-category", "format":
/// "csv", "params": {…}}`) and runs it for the schedule's tenant: its first attempt records
/// the export under the job's own id, so that `GET /v1/exports/{id}` finds it.
public struct MetricExportJob: JobKind {
    public typealias Payload = MetricExport.Payload

    /// What the job's result shows.
    public struct Written: Encodable, Sendable {
        public var exportID: String
        public var rows: Int
        public var bytes: Int
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case rows, bytes, sha256
            case exportID = "export_id"
        }
    }

    public static let name = MetricExport.kind
    public static let options = JobKindOptions(maxAttempts: MetricExport.maxAttempts, timeout: MetricExport.timeout, visibility: .internal)

    private let catalogue: ExportCatalogue
    private let settings: ExportSettings
    private let runner: ExportRunner

    public init(catalogue: ExportCatalogue, settings: ExportSettings, files: any ExportFileStore) {
        self.catalogue = catalogue
        self.settings = settings
        self.runner = ExportRunner(files: files)
    }

    public static func validate(_ payload: Payload) throws {
        guard payload.exportID?.isEmpty == false || payload.export?.isEmpty == false else {
            throw PermanentJobError("give 'export_id' (an export the API recorded) or 'export' (the name of one to run)")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Written? {
        let id = payload.exportID ?? String(context.id.unique)
        if let exportID = payload.exportID {
            let owner = try await context.withDatabase { connection in try await ExportStore.record(id: exportID, on: connection)?.tenant }
            guard owner == nil || owner == context.tenant else {
                throw PermanentJobError("export \(exportID) is not an export of tenant '\(context.tenant)', whose job this is")
            }
        }
        do {
            return try await context.withDatabase { connection -> Written? in
                if payload.exportID == nil { try await recordScheduledExport(payload, id: id, context: context, on: connection) }
                guard let record = try await ExportStore.start(id: id, on: connection) else { return nil }
                guard let export = catalogue.export(named: record.export) else {
                    throw PermanentJobError("export '\(record.export)' is no longer in the catalogue")
                }
                let arguments: ExportArguments
                do {
                    arguments = try export.arguments(record.parameterValues)
                } catch {
                    throw PermanentJobError("the parameters no longer fit export '\(export.name)': \(error)")
                }
                guard let file = try await runner.run(export, arguments: arguments, for: record, retention: settings.retention, on: connection) else {
                    return nil
                }
                context.timings.addRows(file.rows)
                return Written(exportID: id, rows: file.rows, bytes: file.bytes, sha256: file.sha256)
            }
        } catch {
            let isFinal = error is PermanentJobError || context.attempt >= context.maxAttempts
            try? await context.withDatabase { connection in
                try await ExportStore.recordFailure(id: id, error: "\(error)", isFinal: isFinal, on: connection)
            }
            throw error
        }
    }

    /// Records the export a scheduled job names, unless an earlier attempt (or one running
    /// beside this one) did.
    private func recordScheduledExport(_ payload: Payload, id: String, context: JobContext, on connection: PostgresConnection) async throws {
        guard try await ExportStore.record(id: id, on: connection) == nil else { return }
        let (export, arguments): (ExportDefinition, ExportArguments)
        do {
            (export, arguments) = try catalogue.resolve(payload.export ?? "", params: payload.params ?? [:])
        } catch {
            throw PermanentJobError("the scheduled export cannot run: \(error)")
        }
        _ = try await ExportStore.create(
            id: id, tenant: context.tenant, export: export.name, format: payload.format ?? .csv, arguments: arguments, jobID: context.id,
            requestID: context.requestID, retention: settings.retention, on: connection
        )
    }
}
