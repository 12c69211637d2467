import ConveyorCore

/// A job request as JSON, for a record that enqueues it later: an outbox entry, a batch's
/// callback. It keeps every option of the request, so that the job it makes is the one
/// asked for, and the trace it was recorded in, which the job continues however late it
/// is sent.
///
/// Options a request leaves at their defaults are left out, so records written before an
/// option existed read as they were meant.
public struct StoredJobRequest: Codable, Sendable, Equatable {
    /// The job's id; absent when the job's id is derived when it is made (a batch's callback).
    var id: String?
    /// The job's queue, when there is no id to carry it.
    var queue: String?
    var kind: String
    var payload: String
    var maxAttempts: Int
    var timeoutMilliseconds: Int64
    var requestID: String
    var correlationID: String?
    var tenant: String
    var priority: Int?
    var runAtMicroseconds: Int64?
    var deadlineMicroseconds: Int64?
    var unique: Unique?
    var traceContext: String?

    /// A unique lock as a record keeps it (see ``JobUniqueness``).
    struct Unique: Codable, Sendable, Equatable {
        /// The scope's letter: `S`, `F` or `P`.
        var scope: String
        var key: String
        var periodMilliseconds: Int64?

        enum CodingKeys: String, CodingKey {
            case scope, key
            case periodMilliseconds = "period_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, queue, kind, payload, tenant, priority, unique
        case maxAttempts = "max_attempts"
        case timeoutMilliseconds = "timeout_ms"
        case requestID = "request_id"
        case correlationID = "correlation_id"
        case runAtMicroseconds = "run_at_us"
        case deadlineMicroseconds = "deadline_us"
        case traceContext = "trace_context"
    }

    /// `job` as a record keeps it: with its id when `keepingID`, else without, for the id to
    /// be derived when the job is made.
    public init(_ job: JobRequest, keepingID: Bool = true) {
        id = keepingID ? job.id.description : nil
        queue = keepingID ? nil : job.queue.rawValue
        kind = job.kind
        payload = job.payload
        maxAttempts = job.maxAttempts
        timeoutMilliseconds = job.timeout.microseconds / 1000
        requestID = job.requestID
        correlationID = job.correlationID.isEmpty ? nil : job.correlationID
        tenant = job.tenant
        priority = job.priority == 0 ? nil : job.priority
        runAtMicroseconds = job.runAt?.microseconds
        deadlineMicroseconds = job.deadline?.microseconds
        unique = job.uniqueness.map { uniqueness in
            Unique(
                scope: uniqueness.scope.letter, key: uniqueness.key,
                periodMilliseconds: uniqueness.period == .zero ? nil : uniqueness.period.microseconds / 1000
            )
        }
        traceContext = job.traceContextToCarry
    }

    /// The queue the job goes to.
    public func queueName() throws -> QueueName {
        if let id { return try JobID(id).queue }
        guard let queue else { throw StoredJobRequestError(problem: "it names neither a job id nor a queue") }
        return try QueueName(queue)
    }

    /// The job to enqueue, with the stored id, or `id` when it is derived.
    /// - Throws: when the record names no id and `id` is nil, or holds a value no request can.
    public func request(id derived: JobID? = nil) throws -> JobRequest {
        guard let id = try derived ?? id.map(JobID.init) else { throw StoredJobRequestError(problem: "it names no job id") }
        var job = JobRequest(
            id: id, kind: kind, payload: payload, queue: id.queue, maxAttempts: maxAttempts, timeout: .milliseconds(timeoutMilliseconds),
            runAt: runAtMicroseconds.map(Timestamp.init(microseconds:)), requestID: requestID, tenant: tenant
        )
        job.correlationID = correlationID ?? ""
        job.traceContext = traceContext ?? ""
        job.priority = priority ?? 0
        job.deadline = deadlineMicroseconds.map(Timestamp.init(microseconds:))
        if let unique {
            guard let scope = JobUniqueness.Scope(letter: unique.scope, period: unique.periodMilliseconds.map { .milliseconds($0) }) else {
                throw StoredJobRequestError(problem: "its unique scope \(unique.scope) is not S, F, or P with a period")
            }
            job.uniqueness = JobUniqueness(scope: scope, key: unique.key)
        }
        return job
    }
}

/// A stored job request that no job can be made of.
public struct StoredJobRequestError: Error, CustomStringConvertible {
    let problem: String

    public var description: String { "a stored job request cannot be enqueued: \(problem)" }
}
