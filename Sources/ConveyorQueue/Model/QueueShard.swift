import ConveyorCore

/// One part of a queue's key space with a hash tag of its own: the whole queue (`{imports}`),
/// or one of the shards of a sharded queue (`{imports#0}` … `{imports#7}`), which Redis Cluster
/// spreads over its masters. A job lives in the shard its id hashes to, so that a call about the
/// job finds it from the id alone; each shard is FIFO, the queue as a whole is not.
public struct QueueShard: Hashable, Sendable, CustomStringConvertible {
    /// The queue the shard belongs to.
    public let queue: QueueName
    /// The shard's number, from 0; nil for a queue that is not sharded.
    public let index: Int?

    /// The whole of a queue that is not sharded.
    public init(_ queue: QueueName) {
        self.queue = queue
        self.index = nil
    }

    /// Shard `index` of a sharded queue.
    public init(_ queue: QueueName, index: Int) {
        self.queue = queue
        self.index = index
    }

    /// The shards of `queue` when it has `count` of them (1: the queue is not sharded).
    static func all(of queue: QueueName, count: Int) -> [QueueShard] {
        count > 1 ? (0..<count).map { QueueShard(queue, index: $0) } : [QueueShard(queue)]
    }

    /// The shard of `count` (more than 1) that the job `id` lives in: a stable hash of the id,
    /// the same in every process.
    static func of(_ id: JobID, count: Int) -> QueueShard {
        guard count > 1 else {
            return QueueShard(id.queue)
        }
        return QueueShard(id.queue, index: Int(FNV1a64.hash(id.description.utf8).value % UInt64(count)))
    }

    /// The hash tag's text: `imports`, or `imports#3`; `#` is not allowed in queue names, so no
    /// queue's tag is another's shard's.
    var tag: String {
        index.map { "\(queue.rawValue)#\($0)" } ?? queue.rawValue
    }

    /// `imports`, or `imports#3`.
    public var description: String { tag }
}
