import ConveyorCore

/// A batch to create: its jobs, which of them come after which, and the jobs to enqueue once
/// they have all finished.
public struct BatchRequest: Sendable {
    /// One job of the batch.
    public struct Member: Sendable {
        public var job: JobRequest
        /// The positions in ``BatchRequest/members`` of the jobs this one comes after: it waits
        /// until they have succeeded.
        public var after: [Int]
        /// What becomes of it when one it comes after dies or is cancelled: cancelled, or
        /// run all the same.
        public var onDependencyFailure: DependencyFailure

        public init(_ job: JobRequest, after: [Int] = [], onDependencyFailure: DependencyFailure = .cancel) {
            self.job = job
            self.after = after
            self.onDependencyFailure = onDependencyFailure
        }
    }

    /// What a job does when one it comes after dies or is cancelled.
    public enum DependencyFailure: String, Sendable {
        case cancel
        case run
    }

    public var id: BatchID
    public var tenant: String
    public var members: [Member]
    /// Enqueued once every member has succeeded.
    public var onSuccess: JobRequest?
    /// Enqueued once every member has finished: succeeded, dead or cancelled.
    public var onComplete: JobRequest?

    public init(id: BatchID = BatchID(), tenant: String, members: [Member], onSuccess: JobRequest? = nil, onComplete: JobRequest? = nil) {
        self.id = id
        self.tenant = tenant
        self.members = members
        self.onSuccess = onSuccess
        self.onComplete = onComplete
    }

    /// Why the batch cannot be made, or nil: a position out of range, a job that comes after
    /// itself or a later one (which keeps the order free of cycles), a unique member (whose
    /// lock could keep it from being created, and its batch from finishing), one id twice.
    func problem() -> String? {
        var ids = Set<JobID>()
        for (position, member) in members.enumerated() {
            guard ids.insert(member.job.id).inserted else { return "job \(position) has the id of an earlier job" }
            if member.job.uniqueness != nil { return "job \(position) is unique: a batch's jobs cannot be" }
            if let bad = member.after.first(where: { !(0..<position).contains($0) }) {
                return "job \(position) comes after job \(bad): a job comes after earlier jobs of its batch only"
            }
        }
        return nil
    }
}
