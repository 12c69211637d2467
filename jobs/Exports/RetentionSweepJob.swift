import ConveyorExports
import ConveyorWorker

/// Deletes expired export files and records, files of the export folder that attempts left
/// behind, and old job-history rows: see ``RetentionSweep``.
///
/// A job kind rather than a timer in every worker, so that the shipped hourly schedule
/// (`jobs/schedules/retention-sweep.schedule`) runs it once per hour however many workers
/// there are, its runs show in the timing log and the job history, and an operator can run
/// one at any time with `conveyor enqueue retention_sweep`.
public struct RetentionSweepJob: JobKind {
    public struct Payload: Decodable, Sendable {}

    public static let name = "retention_sweep"
    /// The next hour's sweep does the work of one that failed.
    public static let options = JobKindOptions(maxAttempts: 3, timeout: .seconds(600), visibility: .internal)

    private let sweep: RetentionSweep

    public init(settings: ExportSettings) {
        sweep = RetentionSweep(settings: settings)
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> RetentionSweep.Outcome {
        let outcome = try await context.withDatabase { connection in try await sweep.run(on: connection) }
        context.timings.addRows(outcome.files + outcome.partialFiles + outcome.orphanFiles + outcome.records + outcome.historyRows)
        return outcome
    }
}
