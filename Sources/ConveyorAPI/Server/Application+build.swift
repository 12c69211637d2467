import Hummingbird
import Logging

/// Builds the API server: the router with its middleware and controllers, listening
/// where `configuration` says. Run it as a service (it is one), e.g. in a `ServiceGroup`
/// that shuts it down gracefully on SIGTERM.
public func buildApplication(configuration: APIConfiguration, services: APIServices, logger: Logger) -> some ApplicationProtocol {
    let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
    return Application(
        router: buildRouter(configuration: configuration, services: services),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "conveyor"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("API listening", metadata: ["url": "http://\(host):\(port)"])
        },
        logger: logger
    )
}

/// The router: every response passes the response-time, request-id and problem
/// middleware, in that order from the outside in; each resource has a controller.
func buildRouter(configuration: APIConfiguration, services: APIServices) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RouteTable(router: router)
    routes.addMiddleware {
        ResponseTimeMiddleware()
        RequestIDMiddleware()
        ProblemMiddleware()
    }
    routes.addRoutes(HealthController(services: services, configuration: configuration).endpoints)
    routes.addRoutes(JobsController(services: services, configuration: configuration).endpoints, atPath: "/v1/jobs")
    routes.addRoutes(ImportsController(services: services, configuration: configuration).endpoints, atPath: "/v1/imports")
    routes.refuseOtherMethods()
    return router
}
