public import ConveyorQueue

/// What the relay must know of the job kinds to make a job of an outbox row: that its kind
/// exists and takes its payload, and the kind's defaults for what the row leaves NULL. The
/// process that runs the relay answers from the registry its workers run jobs through.
public protocol OutboxKinds: Sendable {
    /// Checks `payloads` for kind `kind` at once, as a relay's batch brings them.
    /// - Returns: the kind's defaults, and for each payload in order nil when the kind takes
    ///   it, or the error saying why not, with which its row is marked failed.
    /// - Throws: an error saying what is wrong when no kind has the name; every row of the
    ///   kind is marked failed with its message.
    func check(kind: String, payloads: [String]) throws -> (defaults: JobDefaults, refusals: [(any Error)?])
}

/// A kind's queue, attempts, timeout, priority and uniqueness: what its jobs get when a row
/// leaves them NULL.
public struct JobDefaults: Sendable {
    public var queue: QueueName
    public var maxAttempts: Int
    public var timeout: Duration
    public var priority: Int
    /// The lock the kind's jobs take; nil for none.
    public var unique: UniqueJobs?

    public init(queue: QueueName, maxAttempts: Int, timeout: Duration, priority: Int = 0, unique: UniqueJobs? = nil) {
        self.queue = queue
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.priority = priority
        self.unique = unique
    }
}
