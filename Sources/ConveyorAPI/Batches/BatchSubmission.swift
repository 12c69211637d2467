import ConveyorQueue
import ConveyorWorker
import NIOCore

/// A `POST /v1/batches` body: `{"jobs": [job, …], "on_success": job, "on_complete": job}`,
/// each job as `POST /v1/jobs` takes it, a member also with `name`, `after` (the names of
/// earlier members it waits for) and `on_dependency_failure` (`cancel`, the default, or
/// `run`). All or nothing, every bad field named by its place (`jobs[3].after`).
struct BatchSubmission {
    struct Member {
        var job: JobSubmission
        var after: [Int]
        var onDependencyFailure: BatchRequest.DependencyFailure
    }

    var members: [Member]
    var onSuccess: JobSubmission?
    var onComplete: JobSubmission?

    static let maxJobs = 10_000
    static let maxIssues = 100
    static let memberFields = ["name", "after", "on_dependency_failure"]
    static let example = #"{"jobs": [{"kind": "noop", "name": "first"}, {"kind": "noop", "after": ["first"]}], "on_complete": {"kind": "noop"}}"#

    /// - Throws: ``Problem``: 400 when the body is not JSON, 422 listing the bad fields.
    init(parsing body: ByteBuffer, rules: EnqueueRules, caller: APIKey) throws(Problem) {
        // The body's members alone first: a callback's payload, one level deeper than a job's,
        // must stay the JSON text it is, so the jobs and each callback are opened on their own.
        let value = try JobSubmission.json(in: body, openLevels: 1, example: Self.example)
        guard let fields = value.members, let list = fields.first(where: { $0.name == "jobs" })?.value, let elements = Self.opened(list, levels: 2)?.elements
        else {
            throw Problem.invalidJob([ProblemIssue(field: "jobs", message: "the body must be a JSON object whose 'jobs' is an array of jobs, e.g. \(Self.example)")])
        }
        var issues: [ProblemIssue] = []
        for field in fields where !["jobs", "on_success", "on_complete"].contains(field.name) {
            issues.append(ProblemIssue(field: String(field.name.prefix(64)), message: "unknown field; a batch has jobs, on_success and on_complete"))
        }
        guard (1...Self.maxJobs).contains(elements.count) else {
            throw Problem.invalidJob([ProblemIssue(field: "jobs", message: "must hold 1 to \(Self.maxJobs) jobs, not \(elements.count)")])
        }
        var names: [String: Int] = [:]
        var links: [(after: [Int], fallback: BatchRequest.DependencyFailure)] = []
        var requests: [[(name: String, value: JSONField)]] = []
        for (index, element) in elements.enumerated() {
            guard let members = element.members else {
                issues.append(ProblemIssue(field: "jobs[\(index)]", message: "must be a JSON object, e.g. \(JobSubmission.example), not \(element.description)"))
                requests.append([])
                links.append(([], .cancel))
                continue
            }
            let place = "jobs[\(index)]"
            var after: [Int] = []
            var fallback = BatchRequest.DependencyFailure.cancel
            for (name, field) in members where Self.memberFields.contains(name) {
                switch name {
                case "name":
                    guard field.kind == .string, let text = field.string, !text.isEmpty, text.utf8.count <= 128 else {
                        issues.append(ProblemIssue(field: "\(place).name", message: "must be a string of 1 to 128 bytes naming the job within its batch, not \(field.description)"))
                        continue
                    }
                    if names.updateValue(index, forKey: text) != nil {
                        issues.append(ProblemIssue(field: "\(place).name", message: "\(JSONField.quoted(text)) names an earlier job too: give each job its own name"))
                    }
                case "after":
                    guard field.kind == .array, let list = Self.opened(field, levels: 1)?.elements else {
                        issues.append(ProblemIssue(field: "\(place).after", message: "must be an array of the names of earlier jobs of the batch, not \(field.description)"))
                        continue
                    }
                    for item in list {
                        guard item.kind == .string, let text = item.string, let earlier = names[text], earlier < index else {
                            issues.append(ProblemIssue(field: "\(place).after", message: "\(item.description) names no earlier job of the batch: a job comes after jobs named before it"))
                            continue
                        }
                        if !after.contains(earlier) { after.append(earlier) }
                    }
                default:
                    guard field.kind == .string, let text = field.string, let value = BatchRequest.DependencyFailure(rawValue: text) else {
                        issues.append(ProblemIssue(field: "\(place).on_dependency_failure", message: "must be cancel or run, not \(field.description)"))
                        continue
                    }
                    fallback = value
                }
            }
            requests.append(members.filter { !Self.memberFields.contains($0.name) })
            links.append((after, fallback))
        }
        let checked = JobSubmission.check(requests, rules: rules, caller: caller)
        var members: [Member] = []
        for (index, (job, jobIssues)) in checked.enumerated() {
            for issue in jobIssues where issues.count < Self.maxIssues {
                issues.append(ProblemIssue(field: "jobs[\(index)]" + (issue.field.map { ".\($0)" } ?? ""), message: issue.message))
            }
            if let job {
                if job.unique != nil {
                    issues.append(ProblemIssue(field: "jobs[\(index)].unique", message: "a batch's jobs cannot be unique: one not created would keep its batch from finishing"))
                }
                if job.runAt != nil, !links[index].after.isEmpty {
                    issues.append(ProblemIssue(field: "jobs[\(index)].run_at", message: "a job that comes after others runs once they have succeeded: leave run_at out"))
                }
                members.append(Member(job: job, after: links[index].after, onDependencyFailure: links[index].fallback))
            }
        }
        var callbacks: [String: JobSubmission] = [:]
        for name in ["on_success", "on_complete"] {
            guard let field = fields.first(where: { $0.name == name })?.value.present else { continue }
            guard field.kind == .object, let members = Self.opened(field, levels: 1)?.members else {
                issues.append(ProblemIssue(field: name, message: "must be a job, e.g. \(JobSubmission.example), not \(field.description)"))
                continue
            }
            let (job, jobIssues) = JobSubmission.check([members], rules: rules, caller: caller)[0]
            issues += jobIssues.map { ProblemIssue(field: name + ($0.field.map { ".\($0)" } ?? ""), message: $0.message) }
            callbacks[name] = job
        }
        guard issues.isEmpty else { throw Problem.invalidJob(Array(issues.prefix(Self.maxIssues)), knownKinds: rules.kindNames) }
        self.members = members
        onSuccess = callbacks["on_success"]
        onComplete = callbacks["on_complete"]
    }

    /// A container that the scanner left closed, opened down to `levels`.
    private static func opened(_ field: JSONField, levels: Int) -> JSONField? {
        field.json.withUnsafeBytes { bytes in try? JSONScanner.parse(bytes, openLevels: levels) }
    }
}
