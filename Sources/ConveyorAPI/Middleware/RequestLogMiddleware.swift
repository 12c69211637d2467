import ConveyorWorker
import Hummingbird
import Logging

/// Writes one log line per request, as the worker's timing line does per attempt: method,
/// route (the pattern, `/v1/jobs/{id}`), status, duration, and the key's name and tenant
/// when it had one, beside the request and correlation ids the logger carries. A request
/// slower than ``slowThreshold`` is logged at warning level with `"slow":true`, as is a
/// server error.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let slowThreshold: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let line = RequestLogLine()
        context.logLine = line
        do {
            let response = try await next(request, context)
            write(request, context, line, status: response.status.code, duration: start.duration(to: .now))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            write(request, context, line, status: status, duration: start.duration(to: .now))
            throw error
        }
    }

    private func write(_ request: Request, _ context: Context, _ line: RequestLogLine, status: Int, duration: Duration) {
        let fields = RequestLogFields(
            method: request.method.rawValue, route: HTTPMetricsMiddleware.route(context.endpointPath), status: status,
            duration: duration, caller: line.caller, slow: duration >= slowThreshold
        )
        // One entry of members rather than a member per entry: a line a request is cheaper
        // written from a struct than from a dictionary of boxed values.
        context.logger.log(
            level: fields.slow || status >= 500 ? .warning : .info, "request", metadata: [RequestLogFields.key: .stringConvertible(fields)]
        )
    }
}

/// The members of a request's log line, in a fixed order.
struct RequestLogFields: JSONLogMembers {
    static let key = "request_line"

    let method: String
    let route: String
    let status: Int
    let duration: Duration
    let caller: APIKey?
    let slow: Bool

    func appendMembers(to line: inout JSONLine) {
        line.appendMember("method", string: method)
        line.appendMember("route", string: route)
        line.appendMember("status", integer: status)
        line.appendMember("duration_ms", milliseconds: duration)
        if let caller {
            line.appendMember("api_key", string: caller.name)
            line.appendMember("tenant", string: caller.tenant)
        }
        if slow { line.appendMember("slow", bool: true) }
    }
}
