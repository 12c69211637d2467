public import ConveyorCore

/// A job leased to a worker: what its handler needs, and the token that fences its attempt.
public struct ReservedJob: Sendable {
    public var id: JobID
    /// The fencing token of this attempt; every later call about the attempt carries it.
    public var token: String
    /// This attempt's number, from 1.
    public var attempt: Int
    public var kind: String
    public var payload: String
    public var maxAttempts: Int
    public var timeout: Duration
    /// When the job became ready to run.
    public var enqueuedAt: Timestamp
    /// When the lease was taken, on the Redis clock.
    public var reservedAt: Timestamp
    public var requestID: String
    /// The caller's correlation id, empty for none.
    public var correlationID: String
    /// The W3C `traceparent` of the enqueue, empty when it was not traced.
    public var traceContext: String
    public var tenant: String
    /// When the job is discarded if it has not started (see ``JobQueue/expire(_:reason:)``).
    public var deadline: Timestamp?
    /// The batch the job belongs to, nil for a job enqueued alone.
    public var batch: BatchID?
    /// Whether its spec has options that its completion must act on.
    var hasOptions = false

    /// The attempt's identity, as the fenced calls take it.
    public var lease: JobLease { JobLease(id: id, token: token, hasOptions: hasOptions) }
}

/// One attempt of one job: its id and fencing token.
public struct JobLease: Hashable, Sendable {
    public var id: JobID
    public var token: String
    /// Whether the job's spec has options (a unique lock, its kind's retention, its batch) that
    /// its completion acts on, as a reserve found it; not part of the attempt's identity.
    var hasOptions = false

    public init(id: JobID, token: String) {
        self.id = id
        self.token = token
    }

    init(id: JobID, token: String, hasOptions: Bool) {
        self.init(id: id, token: token)
        self.hasOptions = hasOptions
    }

    public static func == (left: JobLease, right: JobLease) -> Bool { left.id == right.id && left.token == right.token }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(token)
    }

    /// The lease of an attempt as the scripts name it, `<id>:<token>`, in `queue`.
    init?(member: String, in queue: QueueName) {
        guard let colon = member.lastIndex(of: ":"), let id = try? JobID(String(member[..<colon])), id.queue == queue else { return nil }
        self.init(id: id, token: String(member[member.index(after: colon)...]))
    }

    /// How the scripts name the attempt in the active and cancelling sets.
    var member: String { "\(id):\(token)" }
}
