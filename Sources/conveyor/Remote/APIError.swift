import AsyncHTTPClient
import Glibc
import NIOCore
import NIOPosix

/// Why a call to the API did not give what the command needed, worded for the person who
/// ran it: the API's own explanation when it gave one, else what the command could see.
enum APIError: Error, CustomStringConvertible {
    /// No answer came: nothing listens at the URL, the connection failed or timed out.
    case unreachable(baseURL: String, reason: String)
    /// The API answered with an error status, and a problem document when it sent one.
    case refused(status: Int, problem: APIProblem?, body: String)
    /// A success answer whose body is not what the API's document promises.
    case unreadable(what: String, reason: String)

    /// The bad lines and fields shown after the detail; the API sends at most 20.
    private static let issuesShown = 20

    var description: String {
        switch self {
        case .unreachable(let baseURL, let reason):
            return "cannot reach the API at \(baseURL): \(reason); is `conveyor api` running there? (--api-url / CONVEYOR_API_URL)"
        case .refused(let status, let problem, let body):
            var text = "the API answered \(status)"
            if let title = problem?.title { text += " (\(title))" }
            if let detail = problem?.detail {
                text += ": \(detail)"
            } else if !body.isEmpty {
                text += ": \(body.prefix(500))"
            }
            if status == 401 { text += " (the key comes from --api-key / CONVEYOR_API_KEY)" }
            for issue in (problem?.errors ?? []).prefix(Self.issuesShown) {
                let place = [issue.line.map { "line \($0)" }, issue.field].compactMap { $0 }.joined(separator: ", ")
                text += "\n  " + (place.isEmpty ? issue.message : "\(place): \(issue.message)")
            }
            return text
        case .unreadable(let what, let reason):
            return "the API's answer to \(what) is not what its document describes: \(reason)"
        }
    }

    /// Whether trying the same call again a little later may succeed: the API or what it
    /// depends on was away for a moment.
    var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .refused(let status, _, _): status == 503 || status == 429
        case .unreadable: false
        }
    }

    /// A failed exchange in a few words, without the stack of wrapped errors.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .connectTimeout: "no connection within the connect timeout"
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout: "no answer in time"
        case let error as HTTPClientError where error == .remoteConnectionClosed: "the connection closed before the answer"
        case let error as NIOConnectionError:
            error.connectionErrors.first.map { reason($0.error) } ?? "the connection failed"
        case let error as IOError: String(cString: strerror(error.errnoCode)).lowercased()
        default: "\(error)"
        }
    }
}
