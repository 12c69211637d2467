/// The Redis keys of one queue, or of one shard of a sharded queue. All begin with
/// `conveyor:{queue}:` (`conveyor:{queue#N}:` for shard N), whose hash tag puts them, and the
/// job hashes below the same prefix, in one Redis Cluster slot.
struct QueueKeys: Sendable {
    /// The prefix of every key of the queue; scripts build job keys from it.
    let prefix: String
    /// List of ready job ids: pushed on the left, taken from the right.
    let ready: String
    /// Sorted set of delayed and retrying job ids, by the time they are due.
    let scheduled: String
    /// Hash of the jobs enqueued to run at once that no worker has taken yet, by id: the
    /// enqueue time in microseconds, a line break, the spec. Such a job gets its own hash
    /// when it is reserved or cancelled (see `prelude.lua`).
    let fresh: String
    /// Sorted set of the waiting jobs with a priority, by priority and then arrival, from which
    /// reserve takes first; their ids are in ``ready`` too (see `queue_job` in `prelude.lua`).
    let prioritized: String
    /// Sorted set of leased job ids, by lease deadline.
    let active: String
    /// Sorted set of the attempts cancelled while running, as `<id>:<token>`, by the
    /// deadline of their lease: their workers stop them (see `cancel.lua`).
    let cancelling: String
    /// Sorted set of dead job ids, by the time they died.
    let dead: String
    /// Sorted set of succeeded job ids, by when they succeeded; swept once the retention has passed.
    let finished: String
    /// Present while the queue is paused.
    let paused: String
    /// Hash of counters.
    let stats: String
    /// Hash of each tenant's waiting jobs: enqueued, and neither taken by a worker yet nor
    /// cancelled (see `prelude.lua`), by tenant.
    let tenantJobs: String
    /// Hash of the bytes of each tenant's waiting jobs (their packed specs), by tenant.
    let tenantBytes: String
    /// Hash of the outcomes of batch members not yet applied to their batches: id -> the
    /// batch, a tab, the outcome (see `note_batch_outcome` in `prelude.lua`).
    let batchEvents: String
    /// A key never written, which every script declares last (see ``declaring(_:)``).
    let unwritten: String

    init(_ queue: QueueName) {
        self.init(QueueShard(queue))
    }

    init(_ shard: QueueShard) {
        let prefix = "conveyor:{\(shard.tag)}:"
        self.prefix = prefix
        self.ready = prefix + "ready"
        self.scheduled = prefix + "scheduled"
        self.fresh = prefix + "fresh"
        self.prioritized = prefix + "prioritized"
        self.active = prefix + "active"
        self.cancelling = prefix + "cancelling"
        self.dead = prefix + "dead"
        self.finished = prefix + "finished"
        self.paused = prefix + "paused"
        self.stats = prefix + "stats"
        self.tenantJobs = prefix + "tenant_jobs"
        self.tenantBytes = prefix + "tenant_bytes"
        self.batchEvents = prefix + "batch_events"
        self.unwritten = prefix + "unwritten"
    }

    /// The KEYS of a script call: `keys`, then ``unwritten``. A script reaches job hashes by a name
    /// made from the prefix, which stays in the queue's slot; but while Redis Cluster moves that
    /// slot to another master, a job hash may already be there while the script runs here. A key
    /// that never exists among the declared ones makes the cluster refuse to start a script on a
    /// moving slot (`TRYAGAIN`, on either master), so that a script runs only where all of its
    /// queue is: the client sends it again once the move is over.
    func declaring(_ keys: String...) -> [String] {
        keys + [self.unwritten]
    }

    func job(_ id: JobID) -> String { prefix + "job:" + id.description }

    /// The set of every queue that has had a job, for listings. Not part of any queue's slot.
    static let knownQueues = "conveyor:queues"
    /// The hash of the sharded queues' shard counts, by queue, as the processes that declared
    /// them first wrote them: every process checks its own against it at start.
    static let shardCounts = "conveyor:queue-shards"
}
