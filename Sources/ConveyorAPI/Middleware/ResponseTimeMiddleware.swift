import ConveyorCore
import ConveyorQueue
import Hummingbird

/// Adds `X-Response-Time` to every response: the time from the request's arrival at the
/// router to its response, in milliseconds, e.g. `1.23ms`.
struct ResponseTimeMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.responseTime] = Self.milliseconds(start.duration(to: .now))
        return response
    }

    /// `duration` in milliseconds with two decimals, e.g. `1.23ms`, without a formatter.
    static func milliseconds(_ duration: Duration) -> String {
        let hundredths = (duration.microseconds + 5) / 10
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)ms"
    }
}
