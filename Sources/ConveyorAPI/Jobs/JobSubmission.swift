import ConveyorQueue
import ConveyorWorker
import Foundation
import NIOCore

/// A `POST /v1/jobs` body, checked before anything is enqueued: the JSON, each field's
/// type and bounds, the kind, and the payload against the kind. Every bad field is
/// reported at once, each by name, so one round of fixes is enough.
struct JobSubmission {
    var kind: String
    /// The payload as the caller sent it (`{}` when absent).
    var payload: JSONValue
    /// The payload as JSON text, as it is stored.
    var payloadText: String
    var queue: QueueName
    var runAt: RedisTime?
    var maxAttempts: Int
    var timeout: Duration

    /// The members a job request may have.
    static let fieldNames = ["kind", "payload", "queue", "run_at", "max_attempts", "timeout_ms"]
    static let maxAttemptsRange = 1...1000
    /// One attempt may run from 1 ms to a day.
    static let timeoutMillisecondsRange = 1...86_400_000
    static let example = #"{"kind": "noop", "payload": {}}"#

    /// Parses `body` and checks it against the kinds of `registry`; what the request
    /// leaves out comes from the kind's defaults.
    ///
    /// - Throws: ``Problem``: 400 when the body is not JSON, 422 listing every bad field.
    init(parsing body: ByteBuffer, registry: JobRegistry) throws(Problem) {
        let value = try Self.json(in: body, example: Self.example)
        guard case .object(let fields) = value else {
            throw Problem.invalidJob([ProblemIssue(message: "the body must be a JSON object, e.g. \(Self.example), not \(Self.describe(value))")])
        }
        var issues: [ProblemIssue] = []
        guard let submission = JobSubmission(fields: fields, registry: registry, issues: &issues) else {
            throw Problem.invalidJob(issues, registry: registry)
        }
        self = submission
    }

    /// Checks the members of one job request; nil, with an issue per bad field added to
    /// `issues`, when any is wrong.
    init?(fields: [String: JSONValue], registry: JobRegistry, issues: inout [ProblemIssue]) {
        let issuesBefore = issues.count
        for name in fields.keys.sorted() where !Self.fieldNames.contains(name) {
            issues.append(ProblemIssue(field: String(name.prefix(64)), message: "unknown field; a job request has \(Self.fieldNames.joined(separator: ", "))"))
        }
        let payload = Self.present(fields["payload"]) ?? .object([:])
        let kind = Self.kind(fields["kind"], payload: payload, registry: registry, issues: &issues)
        let queue = Self.queueName(fields["queue"], issues: &issues)
        let runAt = Self.time(fields["run_at"], issues: &issues)
        let maxAttempts = Self.integer(fields, "max_attempts", in: Self.maxAttemptsRange, issues: &issues)
        let timeout = Self.integer(fields, "timeout_ms", in: Self.timeoutMillisecondsRange, issues: &issues)

        guard issues.count == issuesBefore, case let (kind, options, payloadText)? = kind else { return nil }
        self.kind = kind
        self.payload = payload
        self.payloadText = payloadText
        self.queue = queue ?? options.queue
        self.runAt = runAt
        self.maxAttempts = maxAttempts ?? options.maxAttempts
        self.timeout = timeout.map { .milliseconds($0) } ?? options.timeout
    }

    /// The job to enqueue.
    func jobRequest(tenant: String, requestID: String) -> JobRequest {
        JobRequest(
            kind: kind, payload: payloadText, queue: queue, maxAttempts: maxAttempts,
            timeout: timeout, runAt: runAt, requestID: requestID, tenant: tenant
        )
    }

    // MARK: Reading the body

    /// The body's JSON value.
    ///
    /// - Parameter example: a body that would do, for the problem's detail.
    static func json(in body: ByteBuffer, example: String) throws(Problem) -> JSONValue {
        guard body.readableBytes > 0 else {
            throw Problem.malformedJSON("the body is empty: send a JSON object, e.g. \(example)")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) else {
            throw Problem.malformedJSON("the body is not valid JSON (\(syntaxError(in: body))): send a JSON object, e.g. \(example)")
        }
        return value
    }

    /// Where the JSON in `body` goes wrong. The decoder does not say, so the body is
    /// parsed again, which happens only for a body already refused.
    static func syntaxError(in body: ByteBuffer) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: .fragmentsAllowed)
            return "unexpected content"
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        }
    }

    /// The kind's name and defaults, and the payload as text, when `value` names a known
    /// kind and `payload` passes its checks.
    private static func kind(
        _ value: JSONValue?, payload: JSONValue, registry: JobRegistry, issues: inout [ProblemIssue]
    ) -> (String, JobKindOptions, String)? {
        let knownKinds = registry.names.joined(separator: ", ")
        switch present(value) {
        case .string(let name)?:
            guard registry.kind(named: name) != nil else {
                issues.append(ProblemIssue(field: "kind", message: "unknown job kind \(quoted(name)): known kinds are \(knownKinds)"))
                return nil
            }
            let payloadText = text(of: payload)
            do {
                return (name, try registry.validate(kind: name, payload: payloadText), payloadText)
            } catch {
                issues.append(ProblemIssue(field: "payload", message: "\(error)"))
                return nil
            }
        case let other?:
            issues.append(ProblemIssue(field: "kind", message: "must be a string naming the job kind, not \(describe(other))"))
        case nil:
            issues.append(ProblemIssue(field: "kind", message: "is required: the job kind, one of \(knownKinds)"))
        }
        return nil
    }

    /// The queue `value` names, if any and valid.
    private static func queueName(_ value: JSONValue?, issues: inout [ProblemIssue]) -> QueueName? {
        switch present(value) {
        case .string(let name)?:
            do {
                return try QueueName(name)
            } catch {
                issues.append(ProblemIssue(field: "queue", message: "\(error)"))
            }
        case let other?:
            issues.append(ProblemIssue(field: "queue", message: "must be a string naming a queue, not \(describe(other))"))
        case nil:
            break
        }
        return nil
    }

    /// The RFC 3339 time in `value`, if any and valid.
    private static func time(_ value: JSONValue?, issues: inout [ProblemIssue]) -> RedisTime? {
        switch present(value) {
        case .string(let text)?:
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
                return RedisTime(date)
            }
            issues.append(ProblemIssue(field: "run_at", message: "\(quoted(text)) is not an RFC 3339 time such as 2030-01-31T09:30:00Z or 2030-01-31T10:30:00.250+01:00"))
        case let other?:
            issues.append(ProblemIssue(field: "run_at", message: "must be an RFC 3339 time as a string, not \(describe(other))"))
        case nil:
            break
        }
        return nil
    }

    /// A member's value; `null` counts as absent.
    private static func present(_ value: JSONValue?) -> JSONValue? {
        if case .null? = value { return nil }
        return value
    }

    /// A whole-number member within `range`, or nil when absent or bad (and then an issue).
    private static func integer(_ fields: [String: JSONValue], _ name: String, in range: ClosedRange<Int>, issues: inout [ProblemIssue]) -> Int? {
        guard let value = present(fields[name]) else { return nil }
        let bounds = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let number) = value else {
            issues.append(ProblemIssue(field: name, message: "must be \(bounds), not \(describe(value))"))
            return nil
        }
        guard number.rounded() == number, Double(range.lowerBound) <= number, number <= Double(range.upperBound) else {
            issues.append(ProblemIssue(field: name, message: "must be \(bounds), not \(text(of: value))"))
            return nil
        }
        return Int(number)
    }

    /// A JSON value's type, for messages.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let bool): "\(bool)"
        case .number(let number): "the number \(text(of: .number(number)))"
        case .string(let string): "the string \(quoted(string))"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Text from the request, quoted and cut short, for messages.
    private static func quoted(_ text: String) -> String {
        text.count <= 64 ? "'\(text)'" : "'\(text.prefix(64))…'"
    }

    /// A JSON value as JSON text.
    static func text(of value: JSONValue) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
