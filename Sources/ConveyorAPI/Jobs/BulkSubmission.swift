import ConveyorQueue
import ConveyorWorker
import NIOCore

/// A `POST /v1/jobs/bulk` body, `{"jobs": [job, …]}`, each job as `POST /v1/jobs` takes it.
/// All or nothing: one bad job refuses the whole request, with each bad field named by its
/// job's position (`jobs[3].kind`), and nothing is enqueued.
///
/// Every job of a request goes to one queue. One queue's enqueue is one script, taken whole
/// or refused whole (a full queue); jobs spread over queues would be several, of which some
/// could be written while another is refused, and queues live on different Redis Cluster
/// slots, which no one script spans.
struct BulkSubmission {
    var jobs: [JobSubmission]

    /// The most jobs one request may hold.
    static let maxJobs = 10_000
    /// At most this many bad fields are listed; the detail gives their total.
    static let maxIssues = 100
    static let example = #"{"jobs": [{"kind": "noop"}, {"kind": "drill.sleep", "payload": {"ms": 10}}]}"#

    /// - Throws: ``Problem``: 400 when the body is not JSON, 422 listing the bad fields.
    init(parsing body: ByteBuffer, rules: EnqueueRules, caller: APIKey) throws(Problem) {
        // Three levels: the body's members, the list of jobs, each job's members.
        let value = try JobSubmission.json(in: body, openLevels: 3, example: Self.example)
        guard let members = value.members, let list = members.first(where: { $0.name == "jobs" })?.value, let elements = list.elements else {
            throw Problem.invalidJob([
                ProblemIssue(field: "jobs", message: "the body must be a JSON object whose 'jobs' is an array of jobs, e.g. \(Self.example)")
            ])
        }
        if let extra = members.first(where: { $0.name != "jobs" }) {
            throw Problem.invalidJob([ProblemIssue(field: String(extra.name.prefix(64)), message: "unknown field; a bulk request has only 'jobs'")])
        }
        guard (1...Self.maxJobs).contains(elements.count) else {
            throw Problem.invalidJob([
                ProblemIssue(field: "jobs", message: "must hold 1 to \(Self.maxJobs) jobs, not \(elements.count): split the jobs into several requests")
            ])
        }
        let objects = elements.indices.filter { elements[$0].members != nil }
        let checked = JobSubmission.check(objects.map { elements[$0].members ?? [] }, rules: rules, caller: caller)
        var checkedByElement = checked.makeIterator()
        var jobs: [JobSubmission] = []
        jobs.reserveCapacity(elements.count)
        var issues: [ProblemIssue] = []
        var badFields = 0
        for (index, element) in elements.enumerated() {
            var jobIssues: [ProblemIssue] = []
            if element.members != nil, let (job, objectIssues) = checkedByElement.next() {
                if let job { jobs.append(job) }
                jobIssues = objectIssues
            } else {
                jobIssues.append(ProblemIssue(message: "must be a JSON object, e.g. \(JobSubmission.example), not \(element.description)"))
            }
            badFields += jobIssues.count
            for issue in jobIssues where issues.count < Self.maxIssues {
                issues.append(ProblemIssue(field: "jobs[\(index)]" + (issue.field.map { ".\($0)" } ?? ""), message: issue.message))
            }
        }
        if issues.isEmpty, let first = jobs.first, let index = jobs.firstIndex(where: { $0.queue != first.queue }) {
            issues.append(
                ProblemIssue(
                    field: "jobs[\(index)].queue",
                    message: "goes to queue '\(jobs[index].queue)' where jobs[0] goes to '\(first.queue)': "
                        + "the jobs of one bulk request go to one queue, so send one request per queue"
                )
            )
        }
        guard issues.isEmpty else {
            var problem = Problem.invalidJob(issues, knownKinds: rules.kindNames)
            if badFields > issues.count {
                problem.detail = "\(badFields) bad fields, the first \(issues.count): " + problem.detail
            }
            throw problem
        }
        self.jobs = jobs
    }
}
