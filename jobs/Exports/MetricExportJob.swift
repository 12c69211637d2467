import ConveyorExports
import ConveyorWorker

/// Runs one export: marks its record running, streams its query into a file of the export
/// folder (see ``ExportRunner``) and records the file's rows, size and SHA-256. An export
/// whose parameters no longer fit its file fails at once; a failing query is retried, and
/// the record shows the last error.
public struct MetricExportJob: JobKind {
    public typealias Payload = ExportJob.Payload

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

    public static let name = ExportJob.kind
    public static let options = JobKindOptions(maxAttempts: ExportJob.maxAttempts, timeout: ExportJob.timeout)

    private let catalogue: ExportCatalogue
    private let settings: ExportSettings
    private let runner: ExportRunner

    public init(catalogue: ExportCatalogue, settings: ExportSettings) {
        self.catalogue = catalogue
        self.settings = settings
        self.runner = ExportRunner(folder: settings.folder)
    }

    public static func validate(_ payload: Payload) throws {
        guard !payload.exportID.isEmpty else { throw PermanentJobError("'export_id' must name an export") }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Written? {
        let id = payload.exportID
        do {
            return try await context.withDatabase { connection -> Written? in
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
                let file = try await runner.run(
                    export, arguments: arguments, tenant: record.tenant, format: record.format,
                    fileName: "\(id).\(record.format.fileExtension)", on: connection
                )
                try await ExportStore.succeed(id: id, file: file, retention: settings.retention, on: connection)
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
}
