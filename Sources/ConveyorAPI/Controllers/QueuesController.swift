import ConveyorQueue
import Hummingbird

/// `/v1/queues` (admin): every queue's figures; pause and resume one.
struct QueuesController {
    let services: APIServices

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.add(middleware: RoleMiddleware(role: .admin))
        routes.get(use: list)
        routes.post(":name/pause", use: pause)
        routes.post(":name/resume", use: resume)
        return routes
    }

    /// `GET /v1/queues`: depth, running, scheduled, dead, paused, latency and counters of
    /// every queue that has had a job.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> QueueList {
        QueueList(queues: try await QueueOverview.all(in: services.queue).map(QueueSummary.init))
    }

    /// `POST /v1/queues/{name}/pause`: workers stop taking the queue's jobs; enqueueing goes on.
    @Sendable func pause(_ request: Request, context: APIRequestContext) async throws -> QueueSummary {
        let queue = try await knownQueue(context)
        try await services.queue.pause(queue)
        return QueueSummary(statistics: try await services.queue.statistics(of: queue))
    }

    /// `POST /v1/queues/{name}/resume`: workers take the queue's jobs again.
    @Sendable func resume(_ request: Request, context: APIRequestContext) async throws -> QueueSummary {
        let queue = try await knownQueue(context)
        try await services.queue.resume(queue)
        return QueueSummary(statistics: try await services.queue.statistics(of: queue))
    }

    /// The queue the path names; 404 unless it has had a job.
    private func knownQueue(_ context: APIRequestContext) async throws -> QueueName {
        let text = try context.parameters.require("name")
        guard let name = try? QueueName(text), try await services.queue.knownQueues().contains(name) else {
            throw Problem.notFound("there is no queue '\(text)': GET /v1/queues lists the queues that have had jobs")
        }
        return name
    }
}
