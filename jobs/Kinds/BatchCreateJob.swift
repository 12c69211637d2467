import ConveyorCore
public import ConveyorImports
import ConveyorQueue
import ConveyorRedis
public import ConveyorWorker

/// Loads one chunk of an import into its dataset's table, effect-once: see ``BatchCreateLoader``.
/// A row PostgreSQL refuses fails the chunk for good (to the dead set, with the row's line);
/// the import's other chunks go on. The chunk jobs of an import make one batch, which
/// finishes the import (``ImportFinishJob``) once they have all finished; a chunk job in no
/// batch enqueues that finish itself once no chunk is left to end.
public struct BatchCreateJob: JobKind {
    public typealias Payload = BatchCreate.Payload

    public static let name = BatchCreate.kind
    public static let options = JobKindOptions(maxAttempts: BatchCreate.maxAttempts, timeout: BatchCreate.timeout, visibility: .internal)

    private let loader: BatchCreateLoader

    public init(catalogue: DatasetCatalogue) {
        loader = BatchCreateLoader(catalogue: catalogue)
    }

    public static func validate(_ payload: Payload) throws {
        guard payload.chunk >= 1, !payload.importID.isEmpty else {
            throw PermanentJobError("'import_id' must name an import and 'chunk' be 1 or more")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> BatchCreateOutcome {
        try await context.withDatabase { connection in
            try await loader.requireImport(payload.importID, of: context.tenant, on: connection)
        }
        do {
            let outcome = try await context.withDatabase { connection in
                try await loader.load(payload, on: connection, isLastAttempt: context.attempt >= context.maxAttempts)
            }
            context.timings.addRows(outcome.rowsProcessed)
            try await Self.finishIfUnbatched(payload, context: context)
            return outcome
        } catch where Task.isCancelled && context.attempt >= context.maxAttempts {
            let loader = self.loader
            // In a task of its own: a stopped attempt's task drops its calls, and the chunk's failure must still be told.
            try await uncancelled {
                try await context.withDatabase { connection in
                    try await loader.recordFailure(
                        of: payload, message: "the chunk's last attempt was stopped (it timed out, or was cancelled) before it loaded", on: connection
                    )
                }
                try await Self.finishIfUnbatched(payload, context: context)
            }
            throw error
        } catch where error is PermanentJobError || context.attempt >= context.maxAttempts {
            // The loader recorded the chunk failed: it may have been the last chunk to end.
            try? await Self.finishIfUnbatched(payload, context: context)
            throw error
        }
    }

    /// Enqueues the import's finish, for a chunk job in no batch, once every chunk has ended
    /// (``ImportFinish/request(onceEveryChunkEnded:in:requestID:tenant:on:)``).
    private static func finishIfUnbatched(_ payload: Payload, context: JobContext) async throws {
        guard context.batch == nil else { return }
        let finish = try await context.withDatabase { connection in
            try await ImportFinish.request(
                onceEveryChunkEnded: payload.importID, in: context.id.queue, requestID: context.requestID, tenant: context.tenant, on: connection
            )
        }
        if let finish { try await context.enqueue([finish]) }
    }
}
