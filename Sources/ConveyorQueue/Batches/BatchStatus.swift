public import ConveyorCore

/// What a batch's record says: its state and its members' outcomes by count.
public struct BatchStatus: Sendable, Equatable, Encodable {
    /// Where a batch is: `opening` while its jobs are enqueued, `open` while some have not
    /// finished, `finished` once all have (a dead job retried opens it again), `abandoned`
    /// when its creator died before it had enqueued them all.
    public enum State: String, Sendable, Encodable {
        case opening, open, finished, abandoned
    }

    public var id: BatchID
    public var tenant: String
    public var state: State
    public var total: Int
    public var succeeded: Int
    public var dead: Int
    public var cancelled: Int
    /// Members that have failed at least one attempt, whatever became of them after.
    public var failed: Int
    public var createdAt: Timestamp
    public var finishedAt: Timestamp?
    /// The callbacks' jobs once they were enqueued.
    public var onSuccessJob: JobID?
    public var onCompleteJob: JobID?

    /// Members that have not finished.
    public var pending: Int { total - succeeded - dead - cancelled }

    private enum CodingKeys: String, CodingKey {
        case id, tenant, state, total, pending, succeeded, dead, cancelled, failed
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case onSuccessJob = "on_success_job"
        case onCompleteJob = "on_complete_job"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.description, forKey: .id)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(state, forKey: .state)
        try container.encode(total, forKey: .total)
        try container.encode(pending, forKey: .pending)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(dead, forKey: .dead)
        try container.encode(cancelled, forKey: .cancelled)
        try container.encode(failed, forKey: .failed)
        try container.encode(createdAt.description, forKey: .createdAt)
        try container.encodeIfPresent(finishedAt?.description, forKey: .finishedAt)
        try container.encodeIfPresent(onSuccessJob?.description, forKey: .onSuccessJob)
        try container.encodeIfPresent(onCompleteJob?.description, forKey: .onCompleteJob)
    }
}
