import ConveyorCore
import ConveyorQueue
import ConveyorWorker
import Foundation
import NIOCore

/// A `POST /v1/jobs` body, checked before anything is enqueued: the JSON, each field's
/// type and bounds, the kind and the queue against what the caller may enqueue
/// (``EnqueueRules``), and the payload against the kind. Every bad field is reported at
/// once, each by name, so one round of fixes is enough.
struct JobSubmission {
    var kind: String
    /// The payload as compact JSON text, as it is stored (`{}` when absent).
    var payload: String
    var queue: QueueName
    var runAt: Timestamp?
    var maxAttempts: Int
    var timeout: Duration
    var priority: Int
    var deadline: Timestamp?
    /// Nil unless the job is unique, by its request or its kind.
    var unique: UniqueJobs?

    /// The members a job request may have.
    static let fieldNames = ["kind", "payload", "queue", "run_at", "max_attempts", "timeout_ms", "priority", "deadline", "unique"]
    static let maxAttemptsRange = 1...1000
    /// One attempt may run from 1 ms to a day.
    static let timeoutMillisecondsRange = 1...86_400_000
    static let example = #"{"kind": "noop", "payload": {}}"#

    /// Parses `body` and checks it against what `caller` may enqueue; what the request
    /// leaves out comes from the kind's defaults.
    ///
    /// - Throws: ``Problem``: 400 when the body is not JSON, 422 listing every bad field.
    init(parsing body: ByteBuffer, rules: EnqueueRules, caller: APIKey) throws(Problem) {
        let value = try Self.json(in: body, openLevels: 1, example: Self.example)
        guard let members = value.members else {
            throw Problem.invalidJob([ProblemIssue(message: "the body must be a JSON object, e.g. \(Self.example), not \(value.description)")])
        }
        let (submission, issues) = Self.check([members], rules: rules, caller: caller)[0]
        guard let submission else { throw Problem.invalidJob(issues, knownKinds: rules.kindNames) }
        self = submission
    }

    /// Checks job requests, given by their members: every field of each, and the payloads of
    /// one kind together, in one decoding (`JobRegistry.validate(kind:payloads:)`).
    /// - Returns: for each request, the job, or nil and an issue per bad field.
    static func check(
        _ requests: [[(name: String, value: JSONField)]], rules: EnqueueRules, caller: APIKey
    ) -> [(job: JobSubmission?, issues: [ProblemIssue])] {
        var issues = [[ProblemIssue]](repeating: [], count: requests.count)
        let read = requests.indices.map { Reading(requests[$0], rules: rules, issues: &issues[$0]) }
        var payloadsByKind: [String: [Int]] = [:]
        for (index, request) in read.enumerated() {
            if let kind = request.kind { payloadsByKind[kind, default: []].append(index) }
        }
        var verdicts = [Result<JobKindOptions, PermanentJobError>?](repeating: nil, count: requests.count)
        for (kind, indices) in payloadsByKind {
            do {
                let (options, errors) = try rules.registry.validate(kind: kind, payloads: indices.map { read[$0].payload })
                for (index, error) in zip(indices, errors) { verdicts[index] = error.map { .failure($0) } ?? .success(options) }
            } catch {
                for index in indices { verdicts[index] = .failure(error) }
            }
        }
        return requests.indices.map { index in
            (JobSubmission(read[index], verdict: verdicts[index], rules: rules, caller: caller, issues: &issues[index]), issues[index])
        }
    }

    /// A job request's members in their places, and its kind when the caller may enqueue it:
    /// what is checked before the payloads of many requests are checked together.
    private struct Reading {
        var fields = Fields()
        /// The kind named, when it is one the caller may enqueue.
        var kind: String?
        /// A null payload is kept as null for the kind to refuse: only an absent one is {}.
        var payload: String

        init(_ members: [(name: String, value: JSONField)], rules: EnqueueRules, issues: inout [ProblemIssue]) {
            for (name, value) in members {
                if !fields.place(value, named: name, issues: &issues) {
                    issues.append(ProblemIssue(field: String(name.prefix(64)), message: "unknown field; a job request has \(JobSubmission.fieldNames.joined(separator: ", "))"))
                }
            }
            payload = fields.payload?.jsonText ?? "{}"
            kind = JobSubmission.kindName(fields.kind, rules: rules, issues: &issues)
        }
    }

    /// Checks the rest of a job request once its payload's `verdict` is known (nil when it
    /// names no kind the caller may enqueue); nil, with an issue per bad field added to
    /// `issues` (the request's own, from its reading on), when any is wrong.
    private init?(
        _ request: Reading, verdict: Result<JobKindOptions, PermanentJobError>?, rules: EnqueueRules, caller: APIKey,
        issues: inout [ProblemIssue]
    ) {
        var options: JobKindOptions?
        switch verdict {
        case .success(let kindOptions)?: options = kindOptions
        case .failure(let error)?: issues.append(ProblemIssue(field: "payload", message: "\(error)"))
        case nil: break
        }
        let fields = request.fields
        let queue = Self.queueName(fields.queue, rules: rules, caller: caller, issues: &issues)
        let runAt = Self.time(fields.runAt, "run_at", issues: &issues)
        let maxAttempts = Self.integer(fields.maxAttempts, "max_attempts", in: Self.maxAttemptsRange, issues: &issues)
        let timeout = Self.integer(fields.timeout, "timeout_ms", in: Self.timeoutMillisecondsRange, issues: &issues)
        let priority = Self.integer(fields.priority, "priority", in: JobQueue.priorities, issues: &issues)
        let deadline = Self.time(fields.deadline, "deadline", issues: &issues)
        let unique = UniqueRequest.read(fields.unique, declared: options?.unique, issues: &issues)

        guard issues.isEmpty, let kind = request.kind, let options else { return nil }
        self.kind = kind
        self.payload = request.payload
        self.queue = queue ?? options.queue
        self.runAt = runAt
        self.maxAttempts = maxAttempts ?? options.maxAttempts
        self.timeout = timeout.map { .milliseconds($0) } ?? options.timeout
        self.priority = priority ?? options.priority
        self.deadline = deadline
        self.unique = unique
    }

    /// The members of a job request, by name. A job has few: a switch over their names
    /// finds each one's place faster than a dictionary, or a key path, would.
    private struct Fields {
        var kind, payload, queue, runAt, maxAttempts, timeout, priority, deadline, unique: JSONField?

        /// Puts `value` in the place of the member `name`; false for a name that has none.
        mutating func place(_ value: JSONField, named name: String, issues: inout [ProblemIssue]) -> Bool {
            func fill(_ place: inout JSONField?) {
                if place != nil { issues.append(ProblemIssue(field: name, message: "appears twice; give it once")) }
                place = value
            }
            switch name {
            case "kind": fill(&kind)
            case "payload": fill(&payload)
            case "queue": fill(&queue)
            case "run_at": fill(&runAt)
            case "max_attempts": fill(&maxAttempts)
            case "timeout_ms": fill(&timeout)
            case "priority": fill(&priority)
            case "deadline": fill(&deadline)
            case "unique": fill(&unique)
            default: return false
            }
            return true
        }
    }

    /// The job to enqueue into `jobs` for the request of `context`, with a new id unless `id`
    /// is given (a unique job's new id lives in its lock's shard).
    func jobRequest(tenant: String, context: APIRequestContext, into jobs: JobQueue, id: JobID? = nil) -> JobRequest {
        let uniqueness = unique?.uniqueness(kind: kind, tenant: tenant, payload: payload)
        var job = JobRequest(
            id: id ?? uniqueness.map { jobs.uniqueJobID(for: $0, in: queue) }, kind: kind, payload: payload, queue: queue,
            maxAttempts: maxAttempts, timeout: timeout, runAt: runAt, requestID: context.requestID, tenant: tenant
        )
        job.correlationID = context.correlationID
        job.priority = priority
        job.deadline = deadline
        job.uniqueness = uniqueness
        return job
    }

    // MARK: Reading the body

    /// The body's JSON value, with its containers opened down to `openLevels`.
    ///
    /// - Parameter example: a body that would do, for the problem's detail.
    /// - Throws: a 400 problem when the body is empty or not JSON, saying where it breaks.
    static func json(in body: ByteBuffer, openLevels: Int, example: String) throws(Problem) -> JSONField {
        guard body.readableBytes > 0 else {
            throw Problem.malformedJSON("the body is empty: send a JSON object, e.g. \(example)")
        }
        let result = body.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONScanner.SyntaxError) in try JSONScanner.parse(bytes, openLevels: openLevels) }
        }
        switch result {
        case .success(let value):
            return value
        case .failure(let error):
            throw Problem.malformedJSON("the body is not valid JSON (\(error)): send a JSON object, e.g. \(example)")
        }
    }

    /// The kind `value` names, when it is one the caller may enqueue.
    private static func kindName(_ value: JSONField?, rules: EnqueueRules, issues: inout [ProblemIssue]) -> String? {
        switch value?.present {
        case let field? where field.kind == .string:
            let name = field.string ?? ""
            if let refusal = rules.refusal(ofKind: name) {
                issues.append(ProblemIssue(field: "kind", message: refusal))
                return nil
            }
            return name
        case let other?:
            issues.append(ProblemIssue(field: "kind", message: "must be a string naming the job kind, not \(other.description)"))
        case nil:
            issues.append(ProblemIssue(field: "kind", message: "is required: the job kind, one of \(rules.kindNames.joined(separator: ", "))"))
        }
        return nil
    }

    /// The queue `value` names, if any, valid and open to the caller.
    private static func queueName(_ value: JSONField?, rules: EnqueueRules, caller: APIKey, issues: inout [ProblemIssue]) -> QueueName? {
        switch value?.present {
        case let field? where field.kind == .string:
            do {
                let queue = try QueueName(field.string ?? "")
                if let refusal = rules.refusal(ofQueue: queue, by: caller) {
                    issues.append(ProblemIssue(field: "queue", message: refusal))
                    return nil
                }
                return queue
            } catch {
                issues.append(ProblemIssue(field: "queue", message: "\(error)"))
            }
        case let other?:
            issues.append(ProblemIssue(field: "queue", message: "must be a string naming a queue, not \(other.description)"))
        case nil:
            break
        }
        return nil
    }

    /// The RFC 3339 time in `value`, the member `name`, if any and valid.
    private static func time(_ value: JSONField?, _ name: String, issues: inout [ProblemIssue]) -> Timestamp? {
        switch value?.present {
        case let field? where field.kind == .string:
            let text = field.string ?? ""
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
                return Timestamp(date)
            }
            issues.append(ProblemIssue(field: name, message: "\(JSONField.quoted(text)) is not an RFC 3339 time such as 2030-01-31T09:30:00Z or 2030-01-31T10:30:00.250+01:00"))
        case let other?:
            issues.append(ProblemIssue(field: name, message: "must be an RFC 3339 time as a string, not \(other.description)"))
        case nil:
            break
        }
        return nil
    }

    /// A whole-number member within `range`, or nil when absent or bad (and then an issue).
    private static func integer(_ field: JSONField?, _ name: String, in range: ClosedRange<Int>, issues: inout [ProblemIssue]) -> Int? {
        guard let value = field?.present else { return nil }
        let bounds = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard value.kind == .number, let number = value.number else {
            issues.append(ProblemIssue(field: name, message: "must be \(bounds), not \(value.description)"))
            return nil
        }
        guard number.rounded() == number, Double(range.lowerBound) <= number, number <= Double(range.upperBound) else {
            issues.append(ProblemIssue(field: name, message: "must be \(bounds), not \(value.jsonText)"))
            return nil
        }
        return Int(number)
    }
}
