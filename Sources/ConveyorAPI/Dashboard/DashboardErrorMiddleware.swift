import Hummingbird
import Logging

/// Answers what a dashboard route throws as a browser expects it: a session that is
/// missing or no longer good with a redirect to sign-in (clearing the cookie), everything
/// else with an HTML page that says what happened, never the API's JSON problems.
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DashboardError {
            return Self.response(to: error, request: request)
        } catch {
            let problem = Problem(error, request: request, requestID: context.requestID)
            if problem.isInternal {
                context.logger.error("dashboard request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            } else if problem.status == .serviceUnavailable {
                context.logger.warning("dashboard request refused", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            return Self.page(problem.title, problem.detail, status: problem.status)
        }
    }

    static func response(to error: DashboardError, request: Request) -> Response {
        switch error {
        case .signInNeeded:
            return DashboardPage.redirect(to: "/ui/sign-in")
        case .signedOut:
            return DashboardPage.redirect(to: "/ui/sign-in?ended=1", setting: SessionCookie.clearing(for: request))
        case .forbidden(let reason):
            return page("Not allowed", reason, status: .forbidden)
        case .csrfMismatch:
            return page(
                "Not allowed", "the form's security token was missing or did not match: reload the page and try again",
                status: .forbidden
            )
        case .notFound(let reason):
            return page("Not found", reason, status: .notFound)
        case .badRequest(let reason):
            return page("Not understood", reason, status: .badRequest)
        }
    }

    private static func page(_ title: String, _ detail: String, status: HTTPResponse.Status) -> Response {
        DashboardPage(
            title: title, visitor: nil,
            content: "<p class=\"problem\">\(detail)</p><p><a href=\"/ui\">Back to the overview</a></p>", status: status
        ).response()
    }
}
