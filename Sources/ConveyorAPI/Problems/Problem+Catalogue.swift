import ConveyorCore
import ConveyorQueue
import ConveyorWorker
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

    /// A request without a valid API key. `invalidToken` tells a wrong key from a missing
    /// one, in `WWW-Authenticate` as RFC 6750 §3 has it.
    static func unauthorized(_ detail: String, invalidToken: Bool) -> Problem {
        Problem(
            status: .unauthorized, type: "unauthorized", title: "An API key is needed", detail: detail,
            headers: [.wwwAuthenticate: invalidToken ? #"Bearer realm="conveyor", error="invalid_token""# : #"Bearer realm="conveyor""#]
        )
    }

    /// A valid key whose role does not allow the request.
    static func forbidden(_ detail: String) -> Problem {
        Problem(status: .forbidden, type: "forbidden", title: "The API key may not do this", detail: detail)
    }

    /// A key past its rate limit; `headers` say where it stands and when to retry.
    static func rateLimited(_ limit: RateLimit, retryAfterSeconds: Int, headers: HTTPFields) -> Problem {
        Problem(
            status: .tooManyRequests, type: "rate-limited", title: "Too many requests",
            detail: "this key may make \(limit.requests) requests per \(limit.window.components.seconds) s: retry in \(retryAfterSeconds) s",
            headers: headers
        )
    }

    /// A query parameter that is not what the endpoint takes: one entry per bad parameter.
    static func invalidQuery(_ issues: [ProblemIssue]) -> Problem {
        Problem(
            status: .badRequest, type: "invalid-query", title: "A query parameter is invalid",
            detail: issues.map { issue in issue.field.map { "\($0): \(issue.message)" } ?? issue.message }.joined(separator: "; "),
            errors: issues
        )
    }

    /// A request that the resource's present state does not allow, e.g. cancelling a job that runs.
    static func conflict(type: String, title: String, _ detail: String) -> Problem {
        Problem(status: .conflict, type: type, title: title, detail: detail)
    }

    /// ``invalidJob(_:members:)`` with `known_kinds` when an issue is about a kind.
    static func invalidJob(_ issues: [ProblemIssue], knownKinds: [String]) -> Problem {
        let kindIsWrong = issues.contains { $0.field?.hasSuffix("kind") == true }
        return invalidJob(issues, members: kindIsWrong ? ["known_kinds": .array(knownKinds.map(JSONValue.string))] : [:])
    }

    /// An id or path that names nothing; `members` may list the names that exist.
    static func notFound(_ detail: String, members: [String: JSONValue] = [:]) -> Problem {
        Problem(status: .notFound, type: "not-found", title: "Not found", detail: detail, members: members)
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
    /// A request whose body stopped arriving for `seconds`.
    static func requestTimeout(seconds: Double) -> Problem {
        let pause = seconds.rounded() == seconds ? "\(Int(seconds)) s" : "\(Int(seconds * 1000)) ms"
        return Problem(
            status: .requestTimeout, type: "request-timeout", title: "The request body stopped arriving",
            detail: "no part of the request body arrived for \(pause): send the whole request again, without pausing"
        )
    }

    /// A tenant past its quota of waiting jobs or bytes in a queue.
    static func tenantQuota(_ error: QueueError) -> Problem {
        Problem(
            status: .tooManyRequests, type: "tenant-quota", title: "The tenant has too much waiting",
            detail: "\(error); nothing was enqueued", headers: [.retryAfter: String(queueFullRetrySeconds)]
        )
    }

    static func queueFull(_ error: QueueError) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "queue-full", title: "The queue is full",
            detail: "\(error); nothing was enqueued", headers: [.retryAfter: String(queueFullRetrySeconds)]
        )
    }

    /// Redis or PostgreSQL cannot be reached; `dependency` names which.
    /// The detail names the dependency, never its address or the error, which can tell
    /// where it lives: the API's log has those.
    static func dependencyUnavailable(_ dependency: String) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "dependency-unavailable", title: "A server the API needs is unavailable",
            detail: "\(dependency) is unavailable; retry later",
            headers: [.retryAfter: String(dependencyRetrySeconds)]
        )
    }

    /// Redis ran a write, but with `--redis-durability replicated` no replica confirmed its copy
    /// in time, so a failover could lose it.
    static let notReplicated = Problem(
        status: .serviceUnavailable, type: "not-replicated", title: "No Redis replica confirmed the write",
        detail: "Redis took the request, but no replica confirmed its copy in time, so a failover could lose it; "
            + "send it again with the same Idempotency-Key, which creates nothing twice",
        headers: [.retryAfter: String(dependencyRetrySeconds)]
    )

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
