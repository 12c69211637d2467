public import ConveyorCore

/// A job to enqueue.
public struct JobRequest: Sendable {
    /// The job's id; a producer that resends a request keeps the id so the job is created once.
    public let id: JobID
    /// Whether the id was made with this request rather than given: then only a resend of
    /// this request can find a job with it.
    let idIsNew: Bool
    /// The job kind, e.g. `batch_create`; a worker looks up its handler by this name.
    public var kind: String
    /// The payload, as JSON text; decoded by the kind's handler.
    public var payload: String
    /// Attempts before the job goes to the dead set.
    public var maxAttempts: Int
    /// How long one attempt may run before it is cancelled and retried.
    public var timeout: Duration
    /// When to run it; `nil` (or a time already past) means now.
    public var runAt: Timestamp?
    /// The HTTP request that created the job, carried into the worker's log lines.
    public var requestID: String
    /// The caller's `X-Correlation-ID`, carried beside the request id; empty for none.
    public var correlationID = ""
    /// The W3C `traceparent` of the span that enqueued the job, whose child its attempts'
    /// spans are; empty when the enqueue was not traced.
    public var traceContext = ""
    /// The trace a stored copy of the job continues: its own ``traceContext``, or else that
    /// of the current task's span; nil for none, which the copy leaves out.
    public var traceContextToCarry: String? {
        let trace = traceContext.isEmpty ? JobTraceContext.current() : traceContext
        return trace.isEmpty ? nil : trace
    }
    /// The tenant the job belongs to.
    public var tenant: String
    /// From 0 (the default) to 9: a worker takes a queue's jobs of a higher priority first,
    /// and those of one priority in the order they became ready.
    public var priority = 0
    /// When the job is discarded (cancelled, with the reason) if it has not started by then.
    public var deadline: Timestamp?
    /// The lock that keeps a second job with the same key from being created while this one
    /// holds it; nil for a job that may be enqueued any number of times.
    public var uniqueness: JobUniqueness?
    /// The batch the job belongs to, set by ``JobQueue/createBatch(_:)``.
    public internal(set) var batch: BatchID?
    /// Whether the job waits (``JobState/waiting``) until its batch releases it, once the
    /// jobs it comes after have succeeded.
    var waitsForRelease = false

    public init(
        id: JobID? = nil,
        kind: String,
        payload: String = "{}",
        queue: QueueName = .default,
        maxAttempts: Int = 25,
        timeout: Duration = .seconds(60),
        runAt: Timestamp? = nil,
        requestID: String = "",
        tenant: String = ""
    ) {
        self.id = id ?? JobID(in: queue)
        self.idIsNew = id == nil
        self.kind = kind
        self.payload = payload
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.runAt = runAt
        self.requestID = requestID
        self.tenant = tenant
    }

    /// The queue, which the id carries.
    public var queue: QueueName { id.queue }
}
