import Hummingbird

/// `GET /metrics`: Prometheus text, for an admin key or the metrics token.
struct MetricsController {
    let services: APIServices
    let configuration: APIConfiguration
    let http: HTTPMetrics

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.add(middleware: MetricsAccessMiddleware(keyring: configuration.keyring, tokenDigest: configuration.metricsTokenDigest))
        routes.get("metrics", use: metrics)
        return routes
    }

    @Sendable func metrics(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = await MetricsScrape.text(services: services, http: http, logger: context.logger)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: String(body.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
