import Hummingbird

/// Counts each authenticated request against its key's limit and says where the key
/// stands in `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds
/// until the window ends); past the limit, answers 429 with `Retry-After` and does nothing.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let decision = try await limiter.count(try context.authenticatedCaller()) else {
            return try await next(request, context)
        }
        var headers: HTTPFields = [
            .rateLimitLimit: String(decision.limit.requests),
            .rateLimitRemaining: String(decision.remaining),
            .rateLimitReset: String(decision.resetSeconds),
        ]
        guard decision.isAllowed else {
            headers[.retryAfter] = String(decision.resetSeconds)
            throw Problem.rateLimited(decision.limit, retryAfterSeconds: decision.resetSeconds, headers: headers)
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: headers)
        return response
    }
}
