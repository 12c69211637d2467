import ConveyorQueue
import Foundation
import Hummingbird

/// Adds `X-Response-Time` to every response: the time from the request's arrival at the
/// router to its response, in milliseconds, e.g. `1.23ms`.
struct ResponseTimeMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.responseTime] = String(format: "%.2fms", start.duration(to: .now).milliseconds)
        return response
    }
}
