import Hummingbird
import Synchronization

/// Counts every response, errors included, in ``HTTPMetrics``, by the route it matched
/// (`/v1/jobs/{id}`), or `unmatched` for a path that matched none.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(
            route: Self.route(context.endpointPath), method: request.method.rawValue, status: response.status.code,
            duration: start.duration(to: .now)
        )
        return response
    }

    /// The route as OpenAPI writes it: `{id}` for `:id`. Every request asks, for its metrics
    /// and its log line, so each route's is made once: the router's endpoint paths are its
    /// routes, which bounds the cache.
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "unmatched" }
        if let known = patterns.withLock({ $0[endpointPath] }) { return known }
        let pattern = endpointPath.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
        patterns.withLock { $0[endpointPath] = pattern }
        return pattern
    }

    private static let patterns = Mutex<[String: String]>([:])
}
