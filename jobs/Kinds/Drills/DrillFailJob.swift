import ConveyorCore
public import ConveyorWorker

/// Fails on purpose, for drills of retries and the dead set: with a retryable error until
/// attempt `succeed_on_attempt` (never, when absent), or at once with a permanent one; and
/// only until `fail_until_ms` (milliseconds since 1970), when given, so that a job that died
/// succeeds once retried after that time.
public struct DrillFailJob: JobKind {
    public struct Payload: Codable, Sendable {
        public var message: String?
        public var permanent: Bool?
        public var succeedOnAttempt: Int?
        public var failUntilMilliseconds: Int64?

        enum CodingKeys: String, CodingKey {
            case message
            case permanent
            case succeedOnAttempt = "succeed_on_attempt"
            case failUntilMilliseconds = "fail_until_ms"
        }
    }

    struct DrillError: Error, CustomStringConvertible {
        let description: String
    }

    public static let name = "drill.fail"
    public static let options = JobKindOptions(
        maxAttempts: 3, timeout: .seconds(30), backoff: RetryBackoff(base: .milliseconds(200), maximum: .seconds(2)),
        visibility: .drill
    )

    public init() {}

    public func run(_ payload: Payload, context: JobContext) async throws -> NoOutput {
        if let succeedOn = payload.succeedOnAttempt, context.attempt >= succeedOn {
            return NoOutput()
        }
        if let until = payload.failUntilMilliseconds, Timestamp.localNow.microseconds >= until * 1000 {
            return NoOutput()
        }
        let message = payload.message ?? "failing on purpose (attempt \(context.attempt))"
        if payload.permanent == true { throw PermanentJobError(message) }
        throw DrillError(description: message)
    }
}
