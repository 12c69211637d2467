public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore

/// Builds the API server: the router with its middleware and controllers, listening
/// where `configuration` says. Run it as a service (it is one), e.g. in a `ServiceGroup`
/// that shuts it down gracefully on SIGTERM.
public func buildApplication(configuration: APIConfiguration, services: APIServices, logger: Logger) -> some ApplicationProtocol {
    let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
    let readTimeout = TimeAmount(configuration.bodyReadTimeout)
    let server = HTTPServerBuilder.http1(
        configuration: .init(
            additionalChannelHandlers: [BodyReadTimeoutHandler(timeout: readTimeout)], idleTimeout: TimeAmount(configuration.idleTimeout)
        )
    )
    return Application(
        router: buildRouter(configuration: configuration, services: services, logger: logger),
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "conveyor"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("API listening", metadata: ["url": "http://\(host):\(port)"])
        },
        logger: logger
    )
}

/// The router. Every response passes the tracing (when on), metrics, response-time, request-id,
/// request-log, problem and method-not-allowed middleware, in that order from the outside in. `/health`, `/ready` and `/openapi.json`
/// are open; `/metrics` takes the metrics token or an admin key; everything under `/v1`
/// needs a key and is rate limited per key, and its errors are problems that carry the
/// rate-limit headers.
func buildRouter(configuration: APIConfiguration, services: APIServices, logger: Logger) -> Router<APIRequestContext> {
    buildRoutes(configuration: configuration, services: services, logger: logger).router
}

/// The routes of ``buildRouter(configuration:services:logger:)``, with the router they are on.
func buildRoutes(configuration: APIConfiguration, services: APIServices, logger: Logger) -> RouteTable<APIRequestContext> {
    let router = Router(context: APIRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RouteTable(router: router)
    let http = HTTPMetrics()
    if configuration.tracing {
        routes.addMiddleware { TracingMiddleware(recordingHeaders: [.requestID, .correlationID]) }
    }
    routes.addMiddleware {
        HTTPMetricsMiddleware(metrics: http)
        ResponseTimeMiddleware()
        RequestIDMiddleware()
        RequestLogMiddleware(slowThreshold: configuration.slowRequestThreshold)
        ProblemMiddleware()
        MethodNotAllowedMiddleware(routes: routes.known)
    }
    routes.addRoutes(HealthController(services: services, configuration: configuration, logger: logger).endpoints)
    routes.addRoutes(OpenAPIController().endpoints)
    routes.addRoutes(MetricsController(services: services, configuration: configuration, http: http).endpoints)

    let idempotency = IdempotencyMiddleware(
        store: IdempotencyStore(redis: services.redis, retention: configuration.idempotencyRetention, pendingLease: .seconds(300)),
        maxBodyBytes: configuration.maxBodyBytes
    )
    let v1 = routes.group("v1")
        .add(middleware: AuthenticationMiddleware(keyring: configuration.keyring))
        .add(middleware: RateLimitMiddleware(limiter: RateLimiter(redis: services.redis, limits: configuration.rateLimits)))
        .add(middleware: ProblemMiddleware())
    let rules = EnqueueRules(
        registry: services.registry, drillsEnabled: configuration.drillsEnabled, allowedQueues: configuration.allowedQueues
    )
    let jobs = JobsController(
        services: services, configuration: configuration, idempotency: idempotency,
        coalescer: EnqueueCoalescer(queue: services.queue, quotas: configuration.tenantQuotas), rules: rules
    )
    v1.addRoutes(jobs.endpoints, atPath: "jobs")
    v1.addRoutes(BatchesController(services: services, configuration: configuration, idempotency: idempotency, rules: rules).endpoints, atPath: "batches")
    v1.addRoutes(QueuesController(services: services).endpoints, atPath: "queues")
    v1.addRoutes(WorkersController(services: services).endpoints, atPath: "workers")
    v1.addRoutes(BreakersController(services: services).endpoints, atPath: "breakers")
    v1.addRoutes(DeadJobsController(services: services).endpoints, atPath: "dead")
    v1.addRoutes(ImportsController(services: services, configuration: configuration, idempotency: idempotency).endpoints, atPath: "imports")
    let exports = ExportsController(services: services, idempotency: idempotency)
    v1.addRoutes(exports.endpoints, atPath: "exports")
    v1.addRoutes(CachesController(services: services).endpoints, atPath: "caches")
    // The dashboard's HTML pages are on the router itself, outside the API's table of
    // routes and its OpenAPI document.
    DashboardRoutes(configuration: configuration, services: services, exports: exports).add(to: router)
    return routes
}
