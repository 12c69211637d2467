import ConveyorQueue
import ConveyorWorker

/// What a caller may enqueue through `POST /v1/jobs` and `/v1/jobs/bulk`: jobs of public
/// kinds (and of drill kinds while drills are enabled), never internal ones, which only
/// Conveyor makes; a producer into the queues those kinds declare or the operator allows,
/// an admin into any queue. A producer therefore never adds a queue to the set of known
/// queues that the operator did not foresee.
struct EnqueueRules: Sendable {
    let registry: JobRegistry
    /// The kinds a request may name, sorted.
    let kindNames: [String]
    /// The same, for the check every job of a request meets.
    private let enqueueable: Set<String>
    /// The queues a producer may name.
    private let producerQueues: QueueAllowlist

    init(registry: JobRegistry, drillsEnabled: Bool, allowedQueues: QueueAllowlist) {
        self.registry = registry
        kindNames = registry.names(of: drillsEnabled ? [.public, .drill] : [.public])
        enqueueable = Set(kindNames)
        producerQueues = allowedQueues.adding(kindNames.compactMap { registry.kind(named: $0)?.options.queue })
    }

    /// Why a request may not name kind `name`; nil when it may.
    func refusal(ofKind name: String) -> String? {
        guard !enqueueable.contains(name) else { return nil }
        let known = "known kinds are \(kindNames.joined(separator: ", "))"
        let quoted = JSONField.quoted(name)
        // A kind not enqueueable is internal, a drill while drills are off, or unknown.
        switch registry.kind(named: name)?.options.visibility {
        case .internal?:
            return "job kind \(quoted) is internal: Conveyor enqueues it itself, producers cannot; \(known)"
        case .drill?:
            return "job kind \(quoted) is a drill, enqueued only through an API started with --enable-drills (CONVEYOR_ENABLE_DRILLS); \(known)"
        case .public?, nil:
            return "unknown job kind \(quoted): \(known)"
        }
    }

    /// Why `caller` may not name `queue`; nil when it may.
    func refusal(ofQueue queue: QueueName, by caller: APIKey) -> String? {
        guard caller.role != .admin, !producerQueues.contains(queue) else { return nil }
        return "queue '\(queue)' is not open to producers: name one of \(producerQueues.entries.joined(separator: ", ")), "
            + "or leave 'queue' out for the kind's own (the operator opens more with CONVEYOR_QUEUES_ALLOWED)"
    }
}
