public import ConveyorQueue

/// What the relay must know of the job kinds to make a job of an outbox row: that its kind
/// exists and takes its payload, and the kind's defaults for what the row leaves NULL. The
/// process that runs the relay answers from the registry its workers run jobs through.
public protocol OutboxKinds: Sendable {
    /// The defaults of kind `kind`, which takes `payload`.
    /// - Throws: an error saying what is wrong when no kind has the name or the kind
    ///   refuses the payload; the row is then marked failed with its message.
    func defaults(ofKind kind: String, payload: String) throws -> JobDefaults
}

/// A kind's queue, attempts and timeout.
public struct JobDefaults: Sendable {
    public var queue: QueueName
    public var maxAttempts: Int
    public var timeout: Duration

    public init(queue: QueueName, maxAttempts: Int, timeout: Duration) {
        self.queue = queue
        self.maxAttempts = maxAttempts
        self.timeout = timeout
    }
}
