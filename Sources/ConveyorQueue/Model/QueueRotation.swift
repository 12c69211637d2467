/// The order in which a worker tries its queues, call after call: a smooth weighted round
/// robin. Over every run of as many calls as the weights add up to, each queue comes first
/// as many times as its weight, spread out (`a:3,b:1` gives a, a, b, a), so a heavy queue
/// gets its share exactly, not just on average, and a light one is never starved.
public struct QueueRotation: Sendable {
    private let weights: QueueWeights
    /// Each queue's credit: raised by its weight every call, lowered by the total weight
    /// when the queue comes first.
    private var credits: [Int]
    private let totalWeight: Int

    public init(_ weights: QueueWeights) {
        self.weights = weights
        self.credits = Array(repeating: 0, count: weights.entries.count)
        self.totalWeight = weights.entries.reduce(0) { $0 + $1.weight }
    }

    /// The queues in the order to try them this time: the one with the most credit first,
    /// then the others by credit.
    public mutating func next() -> [QueueName] {
        let entries = weights.entries
        guard entries.count > 1 else { return weights.queues }
        for index in entries.indices { credits[index] += entries[index].weight }
        let order = entries.indices.sorted { credits[$0] != credits[$1] ? credits[$0] > credits[$1] : $0 < $1 }
        credits[order[0]] -= totalWeight
        return order.map { entries[$0].queue }
    }
}
