import ConveyorPostgres
import ConveyorRedis
import Hummingbird
import Logging

/// `/health` (the process is alive) and `/ready` (Redis and PostgreSQL answer).
struct HealthController {
    /// Checks Redis and PostgreSQL through connections of its own, a second apart at most.
    let readiness: ReadinessCheck

    init(services: APIServices, configuration: APIConfiguration, logger: Logger) {
        let redis = services.readinessRedis
        let database = services.readinessDatabase
        let dependencies = [
            DependencyCheck(name: "redis", title: "Redis") {
                try await redis.send(RedisCommand("PING"))
            },
            DependencyCheck(name: "postgres", title: "PostgreSQL") {
                try await database.withConnection { connection in
                    _ = try await connection.query("SELECT 1")
                }
            },
        ]
        readiness = ReadinessCheck(dependencies, within: configuration.readinessTimeout, logger: logger)
    }

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get("health", use: health)
        routes.get("ready", use: ready)
        return routes
    }

    /// `GET /health`: 200 while the process serves requests; it checks nothing else.
    @Sendable func health(_ request: Request, context: APIRequestContext) -> [String: String] {
        ["status": "ok"]
    }

    /// `GET /ready`: 200 when Redis answers PING and PostgreSQL `SELECT 1`, each within the
    /// readiness timeout; else 503 naming the one that is down. A second's checks are one.
    @Sendable func ready(_ request: Request, context: APIRequestContext) async throws -> ReadinessReport {
        let report = await readiness.report()
        if let problem = report.problem { throw problem }
        return report
    }
}
