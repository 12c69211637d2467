import ConveyorQueue
import Hummingbird

/// `/v1/jobs`: enqueue one job, and read a job by id.
struct JobsController {
    let services: APIServices
    let configuration: APIConfiguration

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.post(use: create)
        routes.get(":id", use: show)
        return routes
    }

    /// `POST /v1/jobs`: checks the request against its kind and enqueues it; 202 with the
    /// job and its `Location`.
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<AcceptedJob> {
        let body = try await request.collectBody(upTo: configuration.maxJobBodyBytes, describedAs: "a job request")
        let submission = try JobSubmission(parsing: body, registry: services.registry)
        let job = submission.jobRequest(tenant: configuration.defaultTenant, requestID: context.requestID)
        let result = try await services.queue.enqueue([job])
        return EditedResponse(
            status: .accepted,
            headers: [.location: "/v1/jobs/\(job.id)"],
            response: AcceptedJob(job, payload: submission.payload, enqueuedAt: result.enqueuedAt)
        )
    }

    /// `GET /v1/jobs/{id}`: the job's state, attempts, times, error and result.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JobRecord {
        let text = try context.parameters.require("id")
        guard let id = try? JobID(text) else {
            throw Problem.notFound("there is no job '\(text)': a job id is '<queue>.<26-character ULID>', as POST /v1/jobs returned it")
        }
        guard let record = try await services.queue.job(id) else {
            throw Problem.notFound("there is no job '\(id)': it never existed, or it finished and its retention has passed")
        }
        return record
    }
}
