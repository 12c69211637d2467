import ConveyorExternal
import Hummingbird

/// `/v1/breakers` (admin): the circuit breakers of the external dependencies. A breaker
/// belongs to a host that every tenant's jobs may call, not to a tenant, so only admins
/// see them.
struct BreakersController {
    let services: APIServices

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.add(middleware: RoleMiddleware(role: .admin))
        routes.get(use: list)
        return routes
    }

    /// `GET /v1/breakers`: every breaker that has guarded a call, by dependency.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> BreakerList {
        let statuses = try await BreakerStatus.all(from: services.redis)
        return BreakerList(breakers: statuses.map(BreakerSummary.init(status:)))
    }
}
