public import ConveyorQueue

/// A kind of job: the code that runs it and its defaults. Kinds live in `jobs/` and are
/// registered in a ``JobRegistry``, which the worker and the API both use.
///
/// ```swift
/// struct Resize: JobKind {
///     struct Payload: Codable, Sendable { var imageID: Int }
///     static let name = "resize"
///     func run(_ payload: Payload, context: JobContext) async throws -> NoOutput { … }
/// }
/// ```
public protocol JobKind: Sendable {
    /// What a job of this kind carries, decoded from the job's JSON payload.
    associatedtype Payload: Decodable & Sendable
    /// What a run returns, stored as the job's result (JSON).
    associatedtype Output: Encodable & Sendable = NoOutput

    /// The name jobs of this kind carry, e.g. `batch_create`.
    static var name: String { get }
    /// Queue, attempts, timeout and backoff for jobs that do not set their own.
    static var options: JobKindOptions { get }

    /// Checks a decoded payload beyond its types, before it is enqueued. Throw a
    /// ``PermanentJobError`` that says what to fix.
    static func validate(_ payload: Payload) throws

    /// Runs one attempt. Throwing ``PermanentJobError`` sends the job to the dead set at
    /// once; ``JobDeferral`` puts it back on the schedule without spending the attempt (a
    /// call through ``JobContext/external`` throws it when a breaker is open); any other
    /// error schedules a retry with the kind's backoff.
    func run(_ payload: Payload, context: JobContext) async throws -> Output
}

extension JobKind {
    public static var options: JobKindOptions { JobKindOptions() }
    public static func validate(_ payload: Payload) throws {}
}

/// The result of a kind that returns nothing; stored as no result at all.
public struct NoOutput: Encodable, Sendable {
    public init() {}
}

/// The defaults of a job kind, who may enqueue it, and the limits its jobs run under.
public struct JobKindOptions: Sendable {
    /// Where jobs go when the request names no queue.
    public var queue: QueueName
    /// Attempts before a job goes to the dead set.
    public var maxAttempts: Int
    /// How long one attempt may run.
    public var timeout: Duration
    /// The wait before each retry.
    public var backoff: RetryBackoff
    /// Who may enqueue jobs of the kind through the API.
    public var visibility: JobKindVisibility
    /// The JSON a payload must be, checked before it is decoded.
    public var payloadShape: PayloadShape
    /// The priority of jobs that do not set their own, 0 to 9.
    public var priority: Int
    /// Whether a job of the kind is created while another with the same key holds its lock;
    /// nil: always, unless the request asks for uniqueness.
    public var unique: UniqueJobs?
    /// How long the kind's succeeded and cancelled jobs stay readable; nil for the queue's
    /// retention (`CONVEYOR_RETENTION`).
    public var retention: Duration?
    /// At most this many of the kind's attempts run at once, across every worker.
    public var concurrency: KindConcurrencyLimit?
    /// At most this many of the kind's attempts start in a window, across every worker.
    public var rateLimit: KindRateLimit?

    public init(
        queue: QueueName = .default,
        maxAttempts: Int = 25,
        timeout: Duration = .seconds(60),
        backoff: RetryBackoff = RetryBackoff(),
        visibility: JobKindVisibility = .public,
        payloadShape: PayloadShape = .object,
        priority: Int = 0,
        unique: UniqueJobs? = nil,
        retention: Duration? = nil,
        concurrency: KindConcurrencyLimit? = nil,
        rateLimit: KindRateLimit? = nil
    ) {
        precondition(JobQueue.priorities.contains(priority), "a kind's priority is 0 to 9")
        self.queue = queue
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.backoff = backoff
        self.visibility = visibility
        self.payloadShape = payloadShape
        self.priority = priority
        self.unique = unique
        self.retention = retention
        self.concurrency = concurrency
        self.rateLimit = rateLimit
    }
}

/// Who may enqueue jobs of a kind through `POST /v1/jobs`.
public enum JobKindVisibility: String, Sendable {
    /// Any producer, into the kind's queue (or another the operator allows).
    case `public`
    /// Conveyor alone: its intakes, workers and schedulers make these jobs, for records
    /// (imports, exports) whose tenant the job's must match.
    case `internal`
    /// Producers, but only while the API runs with drills enabled (`--enable-drills`):
    /// jobs that exist to exercise the engine's faults.
    case drill
}

/// The JSON a kind's payload must be.
public enum PayloadShape: Sendable {
    /// An object: a string, number, array or `null` is refused before decoding, since a
    /// payload type without fields would otherwise decode from anything.
    case object
    /// Whatever the payload type decodes.
    case any
}
