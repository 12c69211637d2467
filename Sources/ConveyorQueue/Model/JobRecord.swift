public import ConveyorCore

/// Everything the queue knows of a job, read by id.
public struct JobRecord: Sendable, Equatable {
    public var id: JobID
    public var kind: String
    public var payload: String
    public var state: JobState
    /// Attempts started so far.
    public var attempt: Int
    public var maxAttempts: Int
    public var timeout: Duration
    public var createdAt: Timestamp
    /// When a scheduled job is due, or when a retrying job runs next.
    public var runAt: Timestamp?
    /// When the job last became ready to run.
    public var enqueuedAt: Timestamp?
    /// When its latest attempt started.
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// The latest error, kept after a later attempt succeeds.
    public var error: String?
    /// What the handler returned, as JSON text.
    public var result: String?
    public var requestID: String
    /// The caller's `X-Correlation-ID`, empty for none.
    public var correlationID: String
    public var tenant: String
    /// The worker that ran its latest attempt.
    public var worker: String?
    /// From 0 to 9; jobs of a higher priority are taken first.
    public var priority: Int
    /// When it is discarded if it has not started.
    public var deadline: Timestamp?
    /// The latest progress an attempt reported, if any.
    public var progress: JobProgress?

    /// Builds a record from the fields of its hash; `nil` when the hash is absent or is not a job.
    init?(id: JobID, fields: [String: String]) {
        guard let spec = fields["spec"].flatMap(JobSpec.init(packed:)), let state = fields["state"].flatMap(JobState.init(rawValue:)),
            let created = fields["created_at"].flatMap(Int64.init)
        else { return nil }
        func time(_ name: String) -> Timestamp? { fields[name].flatMap(Int64.init).map(Timestamp.init(microseconds:)) }
        self.id = id
        self.kind = spec.kind
        self.payload = spec.payload
        self.state = state
        self.attempt = fields["attempt"].flatMap(Int.init) ?? 0
        self.maxAttempts = spec.maxAttempts
        self.timeout = .milliseconds(spec.timeoutMilliseconds)
        self.createdAt = Timestamp(microseconds: created)
        self.runAt = time("run_at")
        self.enqueuedAt = time("enqueued_at")
        self.startedAt = time("started_at")
        self.finishedAt = time("finished_at")
        self.error = fields["error"]
        self.result = fields["result"].flatMap { $0.isEmpty ? nil : $0 }
        self.requestID = spec.requestID
        self.correlationID = spec.correlationID
        self.tenant = spec.tenant
        self.worker = fields["worker"]
        self.priority = fields["priority"].flatMap(Int.init) ?? 0
        self.deadline = spec.options.deadline
        self.progress = fields["progress"].flatMap(JobProgress.init(packed:))
    }
}

extension JobRecord: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, queue, kind, payload, state, attempt, error, result, tenant, worker, priority, deadline, progress
        case maxAttempts = "max_attempts"
        case timeoutMilliseconds = "timeout_ms"
        case createdAt = "created_at"
        case runAt = "run_at"
        case enqueuedAt = "enqueued_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case requestID = "request_id"
        case correlationID = "correlation_id"
    }

    /// Times as RFC 3339 text; payload and result as the JSON they hold.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(id.queue.rawValue, forKey: .queue)
        try container.encode(kind, forKey: .kind)
        try container.encode(JSONValue(parsing: payload) ?? .string(payload), forKey: .payload)
        try container.encode(state, forKey: .state)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(Int64(timeout.milliseconds), forKey: .timeoutMilliseconds)
        try container.encode(createdAt.description, forKey: .createdAt)
        try container.encodeIfPresent(runAt?.description, forKey: .runAt)
        try container.encodeIfPresent(enqueuedAt?.description, forKey: .enqueuedAt)
        try container.encodeIfPresent(startedAt?.description, forKey: .startedAt)
        try container.encodeIfPresent(finishedAt?.description, forKey: .finishedAt)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(result.map { JSONValue(parsing: $0) ?? .string($0) }, forKey: .result)
        try container.encode(requestID, forKey: .requestID)
        if !correlationID.isEmpty { try container.encode(correlationID, forKey: .correlationID) }
        try container.encode(tenant, forKey: .tenant)
        try container.encodeIfPresent(worker, forKey: .worker)
        if priority != 0 { try container.encode(priority, forKey: .priority) }
        try container.encodeIfPresent(deadline?.description, forKey: .deadline)
        try container.encodeIfPresent(progress, forKey: .progress)
    }
}
