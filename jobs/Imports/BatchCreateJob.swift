import ConveyorImports
import ConveyorWorker

/// Loads one chunk of an import into its dataset's table, effect-once: see ``ChunkLoader``.
/// A row PostgreSQL refuses fails the chunk for good (to the dead set, with the row's line);
/// the import's other chunks go on.
public struct BatchCreateJob: JobKind {
    public typealias Payload = ChunkJob.Payload

    public static let name = ChunkJob.kind
    public static let options = JobKindOptions(maxAttempts: ChunkJob.maxAttempts, timeout: ChunkJob.timeout)

    private let loader: ChunkLoader

    public init(catalogue: DatasetCatalogue) {
        loader = ChunkLoader(catalogue: catalogue)
    }

    public static func validate(_ payload: Payload) throws {
        guard payload.chunk >= 1, !payload.importID.isEmpty else {
            throw PermanentJobError("'import_id' must name an import and 'chunk' be 1 or more")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> ChunkOutcome {
        let outcome = try await context.withDatabase { connection in
            try await loader.load(payload, on: connection, isLastAttempt: context.attempt >= context.maxAttempts)
        }
        context.timings.addRows(outcome.rowsProcessed)
        return outcome
    }
}
