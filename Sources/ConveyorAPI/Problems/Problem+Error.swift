import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Hummingbird
import NIOCore

extension Problem {
    /// The problem to answer for an error that an endpoint or Hummingbird threw.
    ///
    /// - Parameters:
    ///   - error: what was thrown.
    ///   - request: the request it was thrown for, named in the detail of a 404.
    ///   - requestID: the request's id, named in the detail of a 500.
    init(_ error: any Error, request: Request, requestID: String) {
        switch error {
        case let problem as Problem:
            self = problem
        case let timeout as BodyReadTimeout:
            self = timeout.problem
        case let error as QueueError:
            switch error {
            case .queueFull: self = .queueFull(error)
            case .tenantQuota: self = .tenantQuota(error)
            case .invalidJob, .invalidBatch: self = .invalidJob([ProblemIssue(message: "\(error)")])
            default: self = .internalError(requestID: requestID)
            }
        case let error as RedisError where error.kind == .notReplicated:
            self = .notReplicated
        case let error as RedisError where error.isRetryable || error.kind == .shutdown:
            self = .dependencyUnavailable("Redis")
        case let error as PostgresError where error.isRetryable || error.kind == .shutdown:
            self = .dependencyUnavailable("PostgreSQL")
        case is NIOTooManyBytesError:
            self = Problem(
                status: .contentTooLarge, type: "body-too-large", title: "The request body is too large",
                detail: "the request body is over this endpoint's limit: send less"
            )
        case let error as any HTTPResponseError where error.status == .notFound:
            self = .notFound(
                "there is no endpoint \(request.method.rawValue) \(request.uri.path): check the method and path against the API's endpoints"
            )
        case let error as any HTTPResponseError where error.status.kind == .clientError:
            self = Problem(status: error.status, type: "bad-request", title: error.status.reasonPhrase, detail: "\(error)")
        default:
            self = .internalError(requestID: requestID)
        }
    }

    /// Whether the error behind this problem is the API's fault rather than the caller's
    /// or a dependency's: such errors are logged in full.
    var isInternal: Bool { status == .internalServerError }
}
