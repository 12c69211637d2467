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
        let slow = duration >= slowThreshold
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(HTTPMetricsMiddleware.route(context.endpointPath)),
            "status": .stringConvertible(status),
            "duration_ms": .stringConvertible(LogMilliseconds(duration)),
        ]
        if let caller = line.caller {
            metadata["api_key"] = .string(caller.name)
            metadata["tenant"] = .string(caller.tenant)
        }
        if slow { metadata["slow"] = .stringConvertible(true) }
        context.logger.log(level: slow || status >= 500 ? .warning : .info, "request", metadata: metadata)
    }
}
