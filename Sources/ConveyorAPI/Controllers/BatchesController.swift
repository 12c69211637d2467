import ConveyorCore
import ConveyorQueue
import Crypto
import Foundation
import Hummingbird

/// `/v1/batches`: create a batch of jobs, with callbacks and jobs that come after others, and
/// read how far it has got. A producer sees only its tenant's batches: another tenant's is
/// answered 404, as one that does not exist.
struct BatchesController {
    let services: APIServices
    let configuration: APIConfiguration
    let idempotency: IdempotencyMiddleware
    let rules: EnqueueRules

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get(":id", use: show)
        routes.group().add(middleware: idempotency).post(use: create)
        return routes
    }

    /// `POST /v1/batches`: checks every job and callback, then creates the batch; 202 with its
    /// id, its jobs' ids and its `Location`.
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<BatchStatusResponse> {
        let caller = try context.authenticatedCaller()
        let body = try await request.collectBody(upTo: configuration.maxBulkBodyBytes, describedAs: "a batch request")
        let submission = try BatchSubmission(parsing: body, rules: rules, caller: caller)
        // With an Idempotency-Key, a request sent again makes the same batch and jobs, and completes a batch left opening.
        let ids = context.idempotency?.jobIDs(in: submission.members.map(\.job.queue) + [.default])
        let batchID = ids.map { BatchID(derivedFrom: Array(SHA256.hash(data: Array($0[$0.count - 1].description.utf8)))) } ?? BatchID()
        let batch = BatchRequest(
            id: batchID, tenant: caller.tenant,
            members: submission.members.enumerated().map { position, member in
                BatchRequest.Member(
                    member.job.jobRequest(tenant: caller.tenant, context: context, into: services.queue, id: ids?[position]),
                    after: member.after, onDependencyFailure: member.onDependencyFailure
                )
            },
            onSuccess: submission.onSuccess?.jobRequest(tenant: caller.tenant, context: context, into: services.queue),
            onComplete: submission.onComplete?.jobRequest(tenant: caller.tenant, context: context, into: services.queue)
        )
        let jobs = try await services.queue.createBatch(batch, quotas: configuration.tenantQuotas)
        let status = try await services.queue.batchStatus(batch.id)
        return EditedResponse(
            status: .accepted, headers: [.location: "/v1/batches/\(batch.id)"],
            response: BatchStatusResponse(status: status, id: batch.id, jobs: jobs)
        )
    }

    /// `GET /v1/batches/{id}`: the batch's state and its jobs' outcomes by count.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> BatchStatusResponse {
        let caller = try context.authenticatedCaller()
        let text = try context.parameters.require("id")
        guard let id = try? BatchID(text) else {
            throw Problem.notFound("there is no batch '\(text)': a batch id is 'batch_<26-character ULID>', as POST /v1/batches returned it")
        }
        guard let status = try await services.queue.batchStatus(id), caller.canAccess(tenant: status.tenant) else {
            throw Problem.notFound("there is no batch '\(id)': it never existed, or it finished and its retention has passed")
        }
        return BatchStatusResponse(status: status, id: id, jobs: nil)
    }
}

/// A batch as the API answers it: its status, and on creation its jobs' ids.
struct BatchStatusResponse: ResponseEncodable, Sendable {
    let status: BatchStatus?
    let id: BatchID
    let jobs: [JobID]?

    func encode(to encoder: any Encoder) throws {
        if let status { try status.encode(to: encoder) }
        var container = encoder.container(keyedBy: CodingKeys.self)
        if status == nil { try container.encode(id.description, forKey: .id) }
        try container.encodeIfPresent(jobs, forKey: .jobs)
    }

    private enum CodingKeys: String, CodingKey {
        case id, jobs
    }
}
