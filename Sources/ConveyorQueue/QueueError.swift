import ConveyorCore

/// Errors of the queue engine, each saying what to fix.
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A queue name with characters outside `a-z 0-9 _ -`, empty, or too long.
    case invalidQueueName(String)
    /// Text that is not a job id (`queue.ULID`).
    case invalidJobID(String)
    /// Text that is not a batch id (`batch_<ULID>`).
    case invalidBatchID(String)
    /// A batch that cannot be made as given, e.g. a job that comes after a later one.
    case invalidBatch(String)
    /// A weighted queue list that does not parse.
    case invalidQueueWeights(String)
    /// The queue holds `depth` jobs and accepts at most `limit`: try again later.
    case queueFull(queue: QueueName, depth: Int, limit: Int)
    /// The tenant has `waiting` jobs (or bytes of them) in `queue` and may have at most
    /// `quota`: try again once workers have taken some.
    case tenantQuota(queue: QueueName, tenant: String, measure: TenantQuota.Measure, waiting: Int, quota: Int)
    /// A job that cannot be enqueued as given, e.g. a kind holding a line break.
    case invalidJob(id: String, reason: String)
    /// A reply from Redis that no script of ours returns: a bug or a foreign key.
    case unexpectedReply(script: String, reply: String)
    /// A sharded queue's declared shard count (`CONVEYOR_QUEUE_SHARDS`) disagrees with what
    /// Redis holds; `reason` says how, and what to declare.
    case shardsClash(queue: QueueName, reason: String)

    public var description: String {
        switch self {
        case .invalidQueueName(let name):
            "invalid queue name '\(name)': use 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"
        case .invalidJobID(let text):
            "invalid job id '\(text)': expected '<queue>.<26-character ULID>', as returned when the job was enqueued"
        case .invalidBatchID(let text):
            "invalid batch id '\(text)': expected 'batch_<26-character ULID>', as returned when the batch was created"
        case .invalidBatch(let reason):
            "cannot create the batch: \(reason)"
        case .invalidQueueWeights(let text):
            "invalid queue list '\(text)': expected 'name[:weight],…' with whole weights from 1 to 1000, e.g. 'critical:5,default:1'"
        case .queueFull(let queue, let depth, let limit):
            "queue '\(queue)' is full (\(depth) jobs waiting, limit \(limit)): retry later, or raise its limit"
        case .tenantQuota(let queue, let tenant, let measure, let waiting, let quota):
            "tenant '\(tenant)' has \(waiting) \(measure.noun) waiting in queue '\(queue)' and may have at most \(quota): "
                + "retry once workers have taken some, or ask the operator for a larger quota"
        case .invalidJob(let id, let reason):
            "cannot enqueue job \(id): \(reason)"
        case .unexpectedReply(let script, let reply):
            "unexpected reply from the \(script) script: \(reply)"
        case .shardsClash(let queue, let reason):
            "queue '\(queue)' cannot have the shards CONVEYOR_QUEUE_SHARDS (--queue-shards) gives it: \(reason)"
        }
    }

    /// The queue that refused an enqueue for being full, or for a tenant past its quota.
    public var refusingQueue: QueueName? {
        switch self {
        case .queueFull(let queue, _, _), .tenantQuota(let queue, _, _, _, _): queue
        default: nil
        }
    }

    /// The queue refused an enqueue for a reason that sending it again now does not change,
    /// and wrote nothing.
    public var isRefusal: Bool {
        switch self {
        case .queueFull, .tenantQuota, .invalidJob, .invalidBatch: true
        case .invalidQueueName, .invalidJobID, .invalidBatchID, .invalidQueueWeights, .unexpectedReply, .shardsClash: false
        }
    }
}
