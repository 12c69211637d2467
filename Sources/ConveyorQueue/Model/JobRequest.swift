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
    /// The tenant the job belongs to.
    public var tenant: String

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
