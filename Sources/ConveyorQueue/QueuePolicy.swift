/// How long the queue keeps what, and how much it accepts.
public struct QueuePolicy: Sendable {
    /// How long a succeeded or cancelled job stays readable by id. Succeeded jobs are
    /// swept by the queue's workers, so it is their retention that counts: workers of one
    /// queue with different settings delete its jobs after the shortest.
    public var retention: Duration
    /// The most jobs the dead set of one queue keeps; the oldest go first.
    public var deadLimit: Int
    /// How long a job stays in the dead set.
    public var deadRetention: Duration
    /// The most jobs a queue holds waiting (ready plus scheduled) before it refuses new
    /// ones; 0 for no limit.
    public var maxLength: Int
    /// Limits for particular queues, in place of `maxLength`.
    public var maxLengthByQueue: [QueueName: Int]

    public init(
        retention: Duration = .seconds(24 * 3600),
        deadLimit: Int = 10_000,
        deadRetention: Duration = .seconds(30 * 24 * 3600),
        maxLength: Int = 1_000_000,
        maxLengthByQueue: [QueueName: Int] = [:]
    ) {
        self.retention = retention
        self.deadLimit = deadLimit
        self.deadRetention = deadRetention
        self.maxLength = maxLength
        self.maxLengthByQueue = maxLengthByQueue
    }

    func maxLength(of queue: QueueName) -> Int { maxLengthByQueue[queue] ?? maxLength }
}
