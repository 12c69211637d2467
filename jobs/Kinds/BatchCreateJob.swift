import ConveyorCore
public import ConveyorImports
import ConveyorQueue
import ConveyorRedis
public import ConveyorWorker

/// Loads one chunk of an import into its dataset's table, effect-once: see ``BatchCreateLoader``.
/// A row PostgreSQL refuses fails the chunk for good (to the dead set, with the row's line);
/// the import's other chunks go on. The chunk job that finds the import finished, loaded or
/// failed, enqueues its callback (``ImportCallbackJob``); so does every later delivery of a
/// chunk, and the callback's id, derived from the import's, makes those one job.
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
        let outcome: BatchCreateOutcome
        do {
            outcome = try await context.withDatabase { connection in
                try await loader.load(payload, on: connection, isLastAttempt: context.attempt >= context.maxAttempts)
            }
        } catch {
            let stopped = Task.isCancelled
            let isLastAttempt = context.attempt >= context.maxAttempts
            let loader = self.loader
            // In a task of its own: a stopped attempt's task drops its calls, and the import must still end.
            try await uncancelled {
                if stopped, isLastAttempt {
                    try await context.withDatabase { connection in
                        try await loader.recordFailure(
                            of: payload, message: "the chunk's last attempt was stopped (it timed out, or was cancelled) before it loaded",
                            on: connection
                        )
                    }
                }
                // The failure this attempt recorded may have finished the import.
                let finished = try? await context.withDatabase { connection in
                    try await loader.finishedImport(payload.importID, on: connection)
                }
                if let finished { try await Self.enqueueCallback(of: finished, context: context) }
            }
            throw error
        }
        context.timings.addRows(outcome.rowsProcessed)
        if let finished = outcome.finishedImport { try await Self.enqueueCallback(of: finished, context: context) }
        return outcome
    }

    private static func enqueueCallback(of finished: FinishedImport, context: JobContext) async throws {
        let callback = try ImportCallbackJob.request(
            for: finished, in: context.id.queue, requestID: context.requestID, tenant: context.tenant
        )
        if let callback { try await context.enqueue([callback]) }
    }
}
