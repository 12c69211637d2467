import ConveyorQueue
import Hummingbird

/// The problem types the API answers with; the README lists them.
extension Problem {
    /// A body that is not JSON at all.
    static func malformedJSON(_ detail: String) -> Problem {
        Problem(status: .badRequest, type: "malformed-json", title: "The body is not valid JSON", detail: detail)
    }

    /// A job request with bad fields: one entry per field in `errors`, and the detail
    /// naming each of them.
    static func invalidJob(_ issues: [ProblemIssue], members: [String: JSONValue] = [:]) -> Problem {
        let summary = issues.map { issue in issue.field.map { "\($0): \(issue.message)" } ?? issue.message }
        return Problem(
            status: .unprocessableContent, type: "invalid-job", title: "The job request is invalid",
            detail: summary.joined(separator: "; "), errors: issues, members: members
        )
    }

    /// An id or path that names nothing.
    static func notFound(_ detail: String) -> Problem {
        Problem(status: .notFound, type: "not-found", title: "Not found", detail: detail)
    }

    /// A known path with a method it does not take.
    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> Problem {
        let names = allowed.map(\.rawValue)
        return Problem(
            status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
            detail: "\(path) does not take \(method.rawValue); use \(names.joined(separator: " or "))",
            headers: [.allow: names.joined(separator: ", ")]
        )
    }

    /// A body over the limit; `limit` is in bytes.
    static func bodyTooLarge(limit: Int, what: String) -> Problem {
        Problem(
            status: .contentTooLarge, type: "body-too-large", title: "The request body is too large",
            detail: "\(what) may be at most \(limit) bytes: send less"
        )
    }

    /// A queue at its length limit: the caller should come back later.
    static func queueFull(_ error: QueueError) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "queue-full", title: "The queue is full",
            detail: "\(error); nothing was enqueued", headers: [.retryAfter: String(queueFullRetrySeconds)]
        )
    }

    /// Redis or PostgreSQL cannot be reached; `dependency` names which.
    static func dependencyUnavailable(_ dependency: String, _ error: any Error) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "dependency-unavailable", title: "A server the API needs is unavailable",
            detail: "\(dependency) is unavailable (\(error)); retry later",
            headers: [.retryAfter: String(dependencyRetrySeconds)]
        )
    }

    /// A fault of the API itself; its log has the error under the request id.
    static func internalError(requestID: String) -> Problem {
        Problem(
            status: .internalServerError, type: "internal-error", title: "Internal error",
            detail: "the request failed inside the API; its log has the cause under request id \(requestID)"
        )
    }

    /// Seconds a caller should wait before retrying when a queue is full: workers need
    /// time to drain it.
    static let queueFullRetrySeconds = 10
    /// Seconds a caller should wait before retrying when Redis or PostgreSQL is down.
    static let dependencyRetrySeconds = 5
}
