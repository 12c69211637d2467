import ConveyorImports
import ConveyorWorker

/// Loads one chunk of an import into its dataset's table, effect-once: see ``ChunkLoader``.
/// A row PostgreSQL refuses fails the chunk for good (to the dead set, with the row's line);
/// the import's other chunks go on. The chunk job that finds the import finished, loaded or
/// failed, enqueues its callback (``ImportCallbackJob``); so does every later delivery of a
/// chunk, and the callback's id, derived from the import's, makes those one job.
public struct BatchCreateJob: JobKind {
    public typealias Payload = ChunkJob.Payload

    public static let name = ChunkJob.kind
    public static let options = JobKindOptions(maxAttempts: ChunkJob.maxAttempts, timeout: ChunkJob.timeout, visibility: .internal)

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
        try await context.withDatabase { connection in
            try await loader.requireImport(payload.importID, of: context.tenant, on: connection)
        }
        let outcome: ChunkOutcome
        do {
            outcome = try await context.withDatabase { connection in
                try await loader.load(payload, on: connection, isLastAttempt: context.attempt >= context.maxAttempts)
            }
        } catch {
            // The failure this attempt recorded may have finished the import.
            let finished = try? await context.withDatabase { connection in
                try await loader.finishedImport(payload.importID, on: connection)
            }
            if let finished { try await enqueueCallback(of: finished, context: context) }
            throw error
        }
        context.timings.addRows(outcome.rowsProcessed)
        if let finished = outcome.finishedImport { try await enqueueCallback(of: finished, context: context) }
        return outcome
    }

    private func enqueueCallback(of finished: FinishedImport, context: JobContext) async throws {
        let callback = try ImportCallbackJob.request(
            for: finished, in: context.id.queue, requestID: context.requestID, tenant: context.tenant
        )
        if let callback { try await context.enqueue([callback]) }
    }
}
