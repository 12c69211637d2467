public import ConveyorQueue
import Foundation

/// Queues the operator lets producers name besides those of the public kinds
/// (`CONVEYOR_QUEUES_ALLOWED`): names, and prefixes ending in `*` such as `reports-*`.
public struct QueueAllowlist: Sendable, Equatable {
    public private(set) var names: Set<QueueName>
    public private(set) var prefixes: [String]

    public init(names: Set<QueueName> = [], prefixes: [String] = []) {
        self.names = names
        self.prefixes = prefixes
    }

    /// Parses a comma-separated list such as `reports,batch-*`.
    /// - Throws: ``QueueError/invalidQueueName(_:)`` for an entry that is not a queue name
    ///   or one followed by `*`.
    public init(parsing text: String) throws(QueueError) {
        self.init()
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if entry.hasSuffix("*") {
                let prefix = String(entry.dropLast())
                // A prefix is what a queue name may start with.
                _ = try QueueName(prefix + "x")
                prefixes.append(prefix)
            } else {
                names.insert(try QueueName(entry))
            }
        }
    }

    public func contains(_ queue: QueueName) -> Bool {
        names.contains(queue) || prefixes.contains { queue.rawValue.hasPrefix($0) }
    }

    /// This list with `queues` added.
    func adding(_ queues: some Sequence<QueueName>) -> QueueAllowlist {
        var list = self
        list.names.formUnion(queues)
        return list
    }

    /// The entries, as the operator would write them.
    var entries: [String] {
        names.map(\.rawValue).sorted() + prefixes.map { $0 + "*" }
    }
}
