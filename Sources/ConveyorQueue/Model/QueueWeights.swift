import Foundation

/// The queues a worker takes jobs from, with weights: `critical:5,default:1` checks
/// `critical` first five times out of six. A queue without a weight has weight 1.
public struct QueueWeights: Sendable, Equatable, CustomStringConvertible {
    public struct Entry: Sendable, Equatable {
        public var queue: QueueName
        public var weight: Int
    }

    public let entries: [Entry]
    private let totalWeight: Int

    /// Parses `name[:weight],…`.
    /// - Throws: ``QueueError`` naming the bad part.
    public init(parsing text: String) throws(QueueError) {
        var entries: [Entry] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(pieces.count) else { throw .invalidQueueWeights(text) }
            let queue = try QueueName(String(pieces[0]))
            var weight = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), (1...1000).contains(parsed) else { throw .invalidQueueWeights(text) }
                weight = parsed
            }
            guard !entries.contains(where: { $0.queue == queue }) else { throw .invalidQueueWeights(text) }
            entries.append(Entry(queue: queue, weight: weight))
        }
        guard !entries.isEmpty else { throw .invalidQueueWeights(text) }
        self.entries = entries
        self.totalWeight = entries.reduce(0) { $0 + $1.weight }
    }

    public var queues: [QueueName] { entries.map(\.queue) }

    /// The queues in the order to try them this time: a weighted random permutation, so
    /// a heavy queue usually comes first and a light one is never starved.
    public func fetchOrder() -> [QueueName] {
        guard entries.count > 1 else { return queues }
        var remaining = entries
        var remainingWeight = totalWeight
        var order: [QueueName] = []
        order.reserveCapacity(entries.count)
        while !remaining.isEmpty {
            var pick = Int.random(in: 0..<remainingWeight)
            let index = remaining.firstIndex { entry in
                pick -= entry.weight
                return pick < 0
            }!
            order.append(remaining[index].queue)
            remainingWeight -= remaining[index].weight
            remaining.remove(at: index)
        }
        return order
    }

    public var description: String { entries.map { "\($0.queue):\($0.weight)" }.joined(separator: ",") }
}
