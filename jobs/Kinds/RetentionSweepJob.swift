public import ConveyorExports
public import ConveyorImports
public import ConveyorWorker

/// Deletes what has outlived its retention: expired export files and records, export files
/// that attempts left behind, and old job-history rows (see ``RetentionSweep``),
/// the records of imports over for longer than the import retention (see
/// ``ImportRetention``), and job fences past theirs (see ``AttemptFence``).
///
/// A job kind rather than a timer in every worker, so that the shipped hourly schedule
/// (`jobs/schedules/retention-sweep.schedule`) runs it once per hour however many workers
/// there are, its runs show in the timing log and the job history, and an operator can run
/// one at any time with `conveyor enqueue retention_sweep`.
public struct RetentionSweepJob: JobKind {
    public struct Payload: Decodable, Sendable {}

    /// The export sweep's figures, and the imports and job fences deleted.
    public struct Output: Encodable, Sendable {
        public var exports: RetentionSweep.Outcome
        public var imports: Int
        public var fences: Int

        private enum CodingKeys: String, CodingKey {
            case imports, fences
        }

        public func encode(to encoder: any Encoder) throws {
            try exports.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(imports, forKey: .imports)
            try container.encode(fences, forKey: .fences)
        }
    }

    public static let name = "retention_sweep"
    /// The next hour's sweep does the work of one that failed.
    public static let options = JobKindOptions(maxAttempts: 3, timeout: .seconds(600), visibility: .internal)

    private let sweep: RetentionSweep
    private let imports: ImportRetention

    public init(settings: ExportSettings, files: any ExportFileStore, imports: ImportRetention) {
        sweep = RetentionSweep(settings: settings, files: files)
        self.imports = imports
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Output {
        let outcome = try await context.withDatabase { connection in
            Output(
                exports: try await sweep.run(on: connection), imports: try await imports.sweep(on: connection),
                fences: try await AttemptFence.sweep(on: connection)
            )
        }
        let exports = outcome.exports
        context.timings.addRows(exports.files + exports.partialFiles + exports.orphanFiles + exports.records + exports.historyRows + outcome.imports + outcome.fences)
        return outcome
    }
}
