/// How long the queue keeps what, and how much it accepts.
public struct QueuePolicy: Sendable {
    /// How long a succeeded or cancelled job stays readable by id. Succeeded jobs are
    /// swept by the queue's workers, so it is their retention that counts: workers of one
    /// queue with different settings delete its jobs after the shortest.
    public var retention: Duration
    /// The retention of the jobs of kinds that keep theirs for longer or shorter than
    /// ``retention``, by kind: written into each such job at its enqueue, so that whoever
    /// finishes or cancels it keeps it as its kind asks.
    public var retentionByKind: [String: Duration]
    /// The most jobs the dead set of one queue keeps; the oldest go first.
    public var deadLimit: Int
    /// How long a job stays in the dead set.
    public var deadRetention: Duration
    /// The most jobs a queue holds waiting (ready plus scheduled) before it refuses new
    /// ones; 0 for no limit.
    public var maxLength: Int
    /// Limits for particular queues, in place of `maxLength`.
    public var maxLengthByQueue: [QueueName: Int]
    /// The shard counts of the sharded queues (see ``QueueShard``); a queue not named has one.
    /// Every process that reaches a sharded queue must give it the same count, which
    /// ``JobQueue/checkingShards()`` makes sure of. A sharded queue's length limit and its
    /// tenants' quotas are split evenly over its shards.
    public var shards: [QueueName: Int]

    public init(
        retention: Duration = .seconds(24 * 3600),
        retentionByKind: [String: Duration] = [:],
        deadLimit: Int = 10_000,
        deadRetention: Duration = .seconds(30 * 24 * 3600),
        maxLength: Int = 1_000_000,
        maxLengthByQueue: [QueueName: Int] = [:],
        shards: [QueueName: Int] = [:]
    ) {
        self.retention = retention
        self.retentionByKind = retentionByKind
        self.deadLimit = deadLimit
        self.deadRetention = deadRetention
        self.maxLength = maxLength
        self.maxLengthByQueue = maxLengthByQueue
        self.shards = shards
    }

    func maxLength(of queue: QueueName) -> Int { maxLengthByQueue[queue] ?? maxLength }

    /// How many shards `queue` has: 1 unless it is sharded.
    func shardCount(of queue: QueueName) -> Int { max(1, shards[queue] ?? 1) }

    /// The most shards a queue may have.
    public static let shardLimit = 256
}
