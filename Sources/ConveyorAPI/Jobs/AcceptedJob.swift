import ConveyorQueue
import Hummingbird

/// The body of the 202 that `POST /v1/jobs` answers: the job as it was enqueued, with the
/// members `GET /v1/jobs/{id}` shows at that moment.
struct AcceptedJob: ResponseEncodable, Sendable {
    var id: JobID
    var queue: String
    var kind: String
    var payload: JSONValue
    /// `queued`, or `scheduled` when it runs later.
    var state: JobState
    var attempt = 0
    var maxAttempts: Int
    var timeoutMilliseconds: Int64
    var createdAt: String
    var runAt: String?
    var enqueuedAt: String?
    var requestID: String
    var tenant: String

    private enum CodingKeys: String, CodingKey {
        case id, queue, kind, payload, state, attempt, tenant
        case maxAttempts = "max_attempts"
        case timeoutMilliseconds = "timeout_ms"
        case createdAt = "created_at"
        case runAt = "run_at"
        case enqueuedAt = "enqueued_at"
        case requestID = "request_id"
    }

    /// - Parameters:
    ///   - job: the request as enqueued.
    ///   - payload: its payload as JSON.
    ///   - enqueuedAt: the queue's time of the enqueue, which decides whether the job is due.
    init(_ job: JobRequest, payload: JSONValue, enqueuedAt: RedisTime) {
        let isScheduled = job.runAt.map { $0 > enqueuedAt } ?? false
        self.id = job.id
        self.queue = job.queue.rawValue
        self.kind = job.kind
        self.payload = payload
        self.state = isScheduled ? .scheduled : .queued
        self.maxAttempts = job.maxAttempts
        self.timeoutMilliseconds = Int64(job.timeout.milliseconds)
        self.createdAt = enqueuedAt.description
        self.runAt = isScheduled ? job.runAt?.description : nil
        self.enqueuedAt = isScheduled ? nil : enqueuedAt.description
        self.requestID = job.requestID
        self.tenant = job.tenant
    }
}
