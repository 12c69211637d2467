import ConveyorCore
public import ConveyorImports
import ConveyorQueue
public import ConveyorWorker

/// Finishes an import once every chunk job of it has finished: it is their batch's
/// `on_complete` (``ImportFinish``), enqueued once, whatever the order in which the chunks
/// ended and however many workers ended them at once. It marks the import finished, a chunk
/// that its job left unloaded recorded failed (``ImportFinish/finish(_:of:on:)``), then
/// enqueues the import's callback (``ImportCallbackJob``), whose id is derived from the
/// import's, so that a second attempt enqueues nothing twice.
public struct ImportFinishJob: JobKind {
    public typealias Payload = ImportFinish.Payload

    public static let name = ImportFinish.kind
    public static let options = JobKindOptions(maxAttempts: ImportFinish.maxAttempts, timeout: ImportFinish.timeout, visibility: .internal)

    public init() {}

    public static func validate(_ payload: Payload) throws {
        guard !payload.importID.isEmpty else { throw PermanentJobError("'import_id' must name an import") }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> NoOutput {
        let finished = try await context.withDatabase { connection in
            try await ImportFinish.finish(payload.importID, of: context.tenant, on: connection)
        }
        let callback = try ImportCallbackJob.request(for: finished, in: context.id.queue, requestID: context.requestID, tenant: context.tenant)
        if let callback { try await context.enqueue([callback]) }
        return NoOutput()
    }
}
