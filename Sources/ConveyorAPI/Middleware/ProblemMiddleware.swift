import Hummingbird
import Logging

/// Turns every error an endpoint or the router throws into an RFC 9457 problem
/// response, so that callers see one error format, and the middleware outside this one
/// (request id, response time) sees a response, never an error.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem(error, request: request, requestID: context.requestID)
            if problem.isInternal {
                context.logger.error(
                    "request failed",
                    metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(error)"]
                )
            } else if problem.status == .serviceUnavailable {
                // The answer names the dependency only; where it lives and what failed are for the log.
                context.logger.warning(
                    "request refused", metadata: ["path": "\(request.uri.path)", "problem": "\(problem.detail)", "error": "\(error)"]
                )
            }
            return try problem.response(from: request, context: context)
        }
    }
}
