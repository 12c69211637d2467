import ConveyorWorker
import Foundation
import Hummingbird

/// `/v1/workers` (admin): the live workers with their last heartbeat.
struct WorkersController {
    let services: APIServices

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.add(middleware: RoleMiddleware(role: .admin))
        routes.get(use: list)
        return routes
    }

    /// `GET /v1/workers`: each worker's host, pid, queues, concurrency, busy slots and
    /// heartbeat, most recent heartbeat first.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> WorkerList {
        let entries = try await WorkerDirectory.list(from: services.redis)
        let now = Date()
        return WorkerList(workers: entries.map { WorkerSummary(entry: $0, now: now) })
    }
}
