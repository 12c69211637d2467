/// A queue's figures at one moment.
public struct QueueStatistics: Sendable, Equatable {
    public var queue: QueueName
    /// Jobs ready to run.
    public var depth: Int
    /// Jobs leased to workers.
    public var running: Int
    /// Delayed jobs and jobs waiting for a retry.
    public var scheduled: Int
    public var dead: Int
    public var paused: Bool
    /// How long the oldest ready job has waited.
    public var latency: Duration
    /// Counters since the queue was created.
    public var succeeded: Int
    public var retried: Int
    public var buried: Int
    public var recovered: Int
    /// Jobs put back on the schedule without spending an attempt (a dependency's breaker was open).
    public var deferred: Int
}
