import ConveyorCore
import Foundation
public import ConveyorQueue
public import Hummingbird

/// `/v1/jobs`: enqueue one job or many, read a job, cancel it, and (admin) retry a dead one.
/// A producer sees only its tenant's jobs: another tenant's job is answered 404, exactly as
/// a job that does not exist.
struct JobsController {
    let services: APIServices
    let configuration: APIConfiguration
    /// Keeps the answers of requests sent with an `Idempotency-Key`.
    let idempotency: IdempotencyMiddleware
    /// Gathers the jobs of concurrent requests into one enqueue per queue.
    let coalescer: EnqueueCoalescer
    /// The kinds and queues a caller may enqueue into.
    let rules: EnqueueRules

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get(":id", use: show)
        routes.get(":id/events", use: events)
        routes.delete(":id", use: cancel)
        routes.group().add(middleware: idempotency)
            .post(use: create)
            .post("bulk", use: createMany)
        routes.group(":id/retry").add(middleware: RoleMiddleware(role: .admin)).add(middleware: idempotency)
            .post(use: retry)
        return routes
    }

    /// `POST /v1/jobs`: checks the request against its kind and enqueues it for the caller's
    /// tenant; 202 with the job and its `Location`, or, for a unique job whose lock another
    /// job holds, 200 with that job, its `Location` and `Conveyor-Unique-Hit: true`.
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try context.authenticatedCaller()
        let body = try await request.collectBody(upTo: configuration.maxJobBodyBytes, describedAs: "a job request")
        let submission = try JobSubmission(parsing: body, rules: rules, caller: caller)
        let id = context.idempotency?.jobIDs(in: [submission.queue]).first
        let job = submission.jobRequest(tenant: caller.tenant, context: context, into: services.queue, id: id)
        let result = try await EnqueueSpan.run([job], tracing: configuration.tracing) { try await coalescer.enqueue($0, in: job.queue) }
        guard let holder = result.uniqueHits[job.id] else {
            var response = try AcceptedJob(job: job, enqueuedAt: result.enqueuedAt).response(from: request, context: context)
            response.status = .accepted
            response.headers[.location] = "/v1/jobs/\(job.id)"
            return response
        }
        // The holder is this tenant's: the lock's key is made of the tenant among the rest.
        var response = Response.json(try await holderJSON(holder), status: .ok)
        response.headers[.location] = "/v1/jobs/\(holder)"
        response.headers[.uniqueHit] = "true"
        return response
    }

    /// The job `id` that holds a lock, as `GET /v1/jobs/{id}` shows it; only its id when it
    /// finished and went in the moment since.
    private func holderJSON(_ id: JobID) async throws -> [UInt8] {
        guard let record = try await services.queue.job(id) else {
            var writer = JSONWriter(capacity: 96)
            writer.member("id", string: id.description)
            return writer.finished()
        }
        return Array(try APIRequestContext.makeEncoder().encode(record))
    }

    /// `POST /v1/jobs/bulk`: checks every job, then enqueues them all in one call; 202 with
    /// their ids. One bad job refuses them all.
    @Sendable func createMany(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<AcceptedBatch> {
        let caller = try context.authenticatedCaller()
        let body = try await request.collectBody(upTo: configuration.maxBulkBodyBytes, describedAs: "a bulk job request")
        let submission = try BulkSubmission(parsing: body, rules: rules, caller: caller)
        let ids = context.idempotency?.jobIDs(in: submission.jobs.map(\.queue))
        let jobs = submission.jobs.enumerated().map { position, job in
            job.jobRequest(tenant: caller.tenant, context: context, into: services.queue, id: ids?[position])
        }
        // The jobs are sent once: a client resending the request sends other ids, unless its
        // idempotency key gives the same ones.
        let result = try await EnqueueSpan.run(jobs, tracing: configuration.tracing) {
            try await services.queue.enqueue($0, quotas: configuration.tenantQuotas, firstSending: true)
        }
        return EditedResponse(
            status: .accepted,
            response: AcceptedBatch(ids: jobs.map { result.uniqueHits[$0.id] ?? $0.id }, enqueuedAt: result.enqueuedAt, uniqueHits: jobs.indices.filter { result.uniqueHits[jobs[$0].id] != nil })
        )
    }

    /// `GET /v1/jobs/{id}`: the job's state, attempts, times, error and result.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JobRecord {
        try await visibleJob(context)
    }

    /// `DELETE /v1/jobs/{id}`: cancels a job that has not finished (a running one's worker
    /// stops it within a second); 200 with the job as it is now, or 409 when it has finished.
    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> JobRecord {
        let job = try await visibleJob(context)
        switch try await services.queue.cancel(job.id) {
        case .cancelled, .cancelledWhileRunning:
            return try await services.queue.job(job.id) ?? job
        case .notFound:
            throw Self.noSuchJob(job.id.description)
        case .notCancellable(let state):
            throw Self.notCancellable(job.id, state)
        }
    }

    private static func notCancellable(_ id: JobID, _ state: JobState) -> Problem {
        Problem.conflict(
            type: "job-not-cancellable", title: "The job can no longer be cancelled",
            "job \(id) is \(state.rawValue): only a job that has not finished can be cancelled"
        )
    }

    /// `POST /v1/jobs/{id}/retry` (admin): queues a dead job again with fresh attempts; 202
    /// with the job and its `Location`, or 409 when the job is not dead.
    @Sendable func retry(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<JobRecord> {
        let job = try await visibleJob(context)
        guard try await services.queue.retryDead(job.id) else {
            let state = try await services.queue.job(job.id)?.state ?? job.state
            throw Problem.conflict(
                type: "job-not-dead", title: "Only a dead job can be retried",
                "job \(job.id) is \(state.rawValue): only a dead job can be retried"
            )
        }
        return EditedResponse(
            status: .accepted, headers: [.location: "/v1/jobs/\(job.id)"], response: try await services.queue.job(job.id) ?? job
        )
    }

    /// The job the path names, if it exists and the caller may see it; else the same 404
    /// either way, so that a producer learns nothing of other tenants' jobs.
    func visibleJob(_ context: APIRequestContext) async throws -> JobRecord {
        let caller = try context.authenticatedCaller()
        let text = try context.parameters.require("id")
        guard let id = try? JobID(text) else {
            throw Problem.notFound("there is no job '\(text)': a job id is '<queue>.<26-character ULID>', as POST /v1/jobs returned it")
        }
        guard let record = try await services.queue.job(id), caller.canAccess(tenant: record.tenant) else {
            throw Self.noSuchJob(id.description)
        }
        return record
    }

    private static func noSuchJob(_ id: String) -> Problem {
        Problem.notFound("there is no job '\(id)': it never existed, or it finished and its retention has passed")
    }
}

/// A job answers `GET /v1/jobs/{id}` as the JSON `conveyor job` prints.
extension JobRecord: ResponseGenerator {}
extension JobRecord: ResponseEncodable {}
