import Foundation

/// The queues a worker takes jobs from, with weights: `critical:5,default:1` checks
/// `critical` first five times out of six (see ``QueueRotation``). A queue without a weight
/// has weight 1.
public struct QueueWeights: Sendable, Equatable, CustomStringConvertible {
    public struct Entry: Sendable, Equatable {
        public var queue: QueueName
        public var weight: Int
    }

    public let entries: [Entry]

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
    }

    public var queues: [QueueName] { entries.map(\.queue) }

    public var description: String { entries.map { "\($0.queue):\($0.weight)" }.joined(separator: ",") }
}
