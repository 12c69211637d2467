public import ConveyorOutbox
public import ConveyorWorker

/// The registry as the outbox relay asks it about a row's kind: the same check of the
/// payload as the API's, and the kind's defaults.
public struct RegisteredOutboxKinds: OutboxKinds {
    private let registry: JobRegistry

    public init(_ registry: JobRegistry) {
        self.registry = registry
    }

    public func check(kind: String, payloads: [String]) throws -> (defaults: JobDefaults, refusals: [(any Error)?]) {
        let (options, errors) = try registry.validate(kind: kind, payloads: payloads)
        let defaults = JobDefaults(
            queue: options.queue, maxAttempts: options.maxAttempts, timeout: options.timeout, priority: options.priority, unique: options.unique
        )
        return (defaults, errors)
    }
}
