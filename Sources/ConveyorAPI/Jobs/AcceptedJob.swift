import ConveyorCore
import ConveyorQueue
import Hummingbird

/// The body of the 202 that `POST /v1/jobs` answers: the job as it was enqueued, with the
/// members `GET /v1/jobs/{id}` shows at that moment, written straight to JSON.
struct AcceptedJob: ResponseGenerator, Sendable {
    let job: JobRequest
    /// The queue's time of the enqueue, which decides whether the job is due.
    let enqueuedAt: Timestamp

    /// `queued`, or `scheduled` when it runs later.
    var state: JobState {
        job.runAt.map { $0 > enqueuedAt } == true ? .scheduled : .queued
    }

    /// The members in key order, as the API's encoder sorts them elsewhere.
    var json: [UInt8] {
        let isScheduled = state == .scheduled
        let enqueuedAt = enqueuedAt.description
        var writer = JSONWriter(capacity: 256 + job.payload.utf8.count)
        writer.member("attempt", integer: 0)
        writer.member("created_at", string: enqueuedAt)
        writer.member("enqueued_at", string: isScheduled ? nil : enqueuedAt)
        writer.member("id", string: job.id.description)
        writer.member("kind", string: job.kind)
        writer.member("max_attempts", integer: job.maxAttempts)
        writer.member("payload", json: job.payload.utf8)
        writer.member("queue", string: job.queue.rawValue)
        writer.member("request_id", string: job.requestID)
        writer.member("run_at", string: isScheduled ? job.runAt?.description : nil)
        writer.member("state", string: state.rawValue)
        writer.member("tenant", string: job.tenant)
        writer.member("timeout_ms", integer: job.timeout.microseconds / 1000)
        return writer.finished()
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(json, status: .ok)
    }
}

extension Response {
    /// A JSON response of `bytes`.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(bytes.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
