import ConveyorQueue
import Hummingbird

/// `/v1/dead` (admin): the dead jobs, paginated, of one queue or of all.
struct DeadJobsController {
    let services: APIServices

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.add(middleware: RoleMiddleware(role: .admin))
        routes.get(use: list)
        return routes
    }

    /// `GET /v1/dead?queue=&offset=&limit=`: dead jobs, the most recently dead first, with
    /// their last error; `next` links the following page.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> DeadJobsPage {
        let page = try PageRequest(request)
        let (jobs, hasMore) = try await DeadJobs.page(in: services.queue, only: page.queue, offset: page.offset, limit: page.limit)
        return DeadJobsPage(jobs: jobs, offset: page.offset, limit: page.limit, next: hasMore ? page.next(path: "/v1/dead") : nil)
    }
}
