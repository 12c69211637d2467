import ConveyorQueue
import Hummingbird

/// The 202 of the cache routes: the value is being computed by `job`, whose `Location`
/// the answer carries; `Retry-After` says when to ask for the value again.
struct CacheRefreshAccepted: ResponseGenerator, Sendable {
    let name: String
    let tenant: String
    let job: JobID

    /// Seconds before asking again: a dashboard's refresh takes well under that.
    static let retryAfterSeconds = 1

    var json: [UInt8] {
        var writer = JSONWriter()
        writer.member("job_id", string: job.description)
        writer.member("name", string: name)
        writer.member("state", string: "refreshing")
        writer.member("tenant", string: tenant)
        return writer.finished()
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(json, status: .accepted)
        response.headers[.location] = "/v1/jobs/\(job)"
        response.headers[.retryAfter] = String(Self.retryAfterSeconds)
        return response
    }
}
