import ConveyorQueue
import Hummingbird

extension JobsController {
    /// How often a job's event stream reads the job: a read is one pipeline of three commands.
    static let eventInterval = Duration.milliseconds(250)
    /// How long a job's event stream lasts at most; the client then reconnects.
    static let eventStreamLifetime = Duration.seconds(600)

    /// `GET /v1/jobs/{id}/events`: the job's state changes and progress as server-sent events
    /// (``JobEvents``) until it is final. A client reconnecting with the `Last-Event-ID` of a
    /// final state the job is still in gets 204, which tells an `EventSource` to stop; one
    /// that names no position of this stream is ignored, and one too long to be any is a 400.
    @Sendable func events(_ request: Request, context: APIRequestContext) async throws -> Response {
        let lastEventID = request.headers[.lastEventID]
        if let lastEventID, lastEventID.utf8.count > JobEvents.Position.maxLastEventIDLength {
            throw Problem(
                status: .badRequest, type: "invalid-last-event-id", title: "The Last-Event-ID header is invalid",
                detail: "a Last-Event-ID is at most \(JobEvents.Position.maxLastEventIDLength) characters: send back the id of the last "
                    + "event received (<state>.<attempt>.<progress time in µs>), or none"
            )
        }
        let job = try await visibleJob(context)
        let resumed = lastEventID.flatMap(JobEvents.Position.init(lastEventID:))
        if let resumed, resumed.state.isFinal, resumed == JobEvents.Position(job) {
            return Response(status: .noContent)
        }
        return EventStream.response(
            of: JobEvents(queue: services.queue, id: job.id, resumed: resumed), every: Self.eventInterval,
            lifetime: Self.eventStreamLifetime, logger: context.logger
        )
    }
}
