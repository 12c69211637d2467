public import ConveyorCore
public import ConveyorRedis
import Synchronization

/// The reliable job queue in Redis. Producers enqueue; workers reserve, complete, fail
/// and hand back; maintenance promotes due jobs and recovers expired leases. Each call
/// that changes a job runs one Lua script from `Scripts/`, so a crash never leaves a job
/// half-moved; the calls about a running attempt are fenced by its lease token. Those that
/// must survive a failover wait for the replicas when the client's durability is `replicated`:
/// enqueue, complete, fail, defer, hand back, cancel, retry and discard of the dead, and
/// reserve, whose lease token must never be issued twice.
///
/// A sharded queue (``QueuePolicy/shards``) is many key spaces (``QueueShard``), which Redis
/// Cluster spreads over its masters: each call about a job goes to the shard of its id, a
/// reserve takes from the shards in turn, and pause, stats and the dead set cover them all.
public struct JobQueue: Sendable {
    /// The Redis client every call goes through; a service that needs Redis for more than
    /// the queues is handed the client itself.
    let redis: RedisClient
    /// Retention, dead-set and length limits.
    public let policy: QueuePolicy
    /// Queues this process has already added to the set of known queues, so that an
    /// enqueue does not send that write again.
    private let registeredQueues = RegisteredQueues()
    /// The shard each sharded queue's next reserve starts from.
    private let shardTurns = ShardTurns()

    public init(redis: RedisClient, policy: QueuePolicy = QueuePolicy()) {
        self.redis = redis
        self.policy = policy
    }

    // MARK: Producing

    /// The result of an enqueue.
    public struct EnqueueResult: Sendable {
        /// Jobs written by this call; a resent job that existed already is not counted.
        public var created: Int
        /// When the queue took them, on the Redis clock.
        public var enqueuedAt: Timestamp
        /// The unique jobs not created because another job held their lock: the id each
        /// was sent with, and the holder's.
        public var uniqueHits: [JobID: JobID] = [:]
    }

    /// Enqueues jobs, in one round trip whatever their number: one script call per queue,
    /// each all or nothing. Every job counts towards its tenant's waiting jobs in its queue.
    /// - Parameters:
    ///   - quotas: the tenants' quotas to hold the jobs to; nil holds them to none (the
    ///     system's own jobs), though they are counted all the same.
    ///   - firstSending: true when this call is the only one that ever sends these requests,
    ///     so that those whose ids were made with them (``JobRequest/init(id:kind:payload:queue:maxAttempts:timeout:runAt:requestID:tenant:)``
    ///     without an id) cannot exist yet, and the script skips looking for them. Leave it
    ///     false where a failed call may be sent again.
    /// - Throws: ``QueueError/queueFull(queue:depth:limit:)`` when a queue would pass its
    ///   limit, ``QueueError/tenantQuota(queue:tenant:measure:waiting:quota:)`` when a tenant
    ///   would pass its quota (jobs of the other queues in the call are taken), or a `RedisError`.
    @discardableResult
    public func enqueue(_ jobs: [JobRequest], quotas: TenantQuotas? = nil, firstSending: Bool = false) async throws -> EnqueueResult {
        guard !jobs.isEmpty else { return EnqueueResult(created: 0, enqueuedAt: .localNow) }
        try checkPackable(jobs)
        var byShard: [QueueShard: [JobRequest]] = [:]
        for job in jobs { byShard[shard(of: job.id), default: []].append(job) }
        let shards = Array(byShard.keys)
        var calls: [(script: RedisScript, keys: [String], arguments: [RedisArgument])] = []
        calls.reserveCapacity(shards.count)
        // A job that names no trace joins the caller's, when a span is current.
        let trace = JobTraceContext.current()
        for shard in shards {
            let keys = QueueKeys(shard)
            let batch = byShard[shard]!
            let retentions = policy.retentionByKind
            let specs = batch.map { JobSpec($0, trace: trace, retention: retentions.isEmpty ? nil : retentions[$0.kind]).packed }
            let tenants = Self.tally(batch, specs: specs)
            let parts = policy.shardCount(of: shard.queue)
            let withOptions = batch.indices.filter { batch[$0].priority != 0 || batch[$0].uniqueness != nil }
            var arguments: [RedisArgument] = [
                .string(keys.prefix), .integer(Self.share(policy.maxLength(of: shard.queue), of: parts)),
                .integer(firstSending && batch.allSatisfy(\.idIsNew) ? 1 : 0), .integer(tenants.count), .integer(withOptions.count),
            ]
            arguments.reserveCapacity(5 + tenants.count * 5 + withOptions.count * 4 + batch.count * 3)
            for (tenant, tally) in tenants {
                let quota = quotas?.quota(of: tenant) ?? .unlimited
                arguments += [
                    .string(tenant), .integer(tally.jobs), .integer(tally.bytes),
                    .integer(Self.share(quota.jobs, of: parts)), .integer(Self.share(quota.bytes, of: parts)),
                ]
            }
            for index in withOptions {
                let job = batch[index]
                arguments += [
                    .integer(index + 1), .integer(job.priority), .string(job.uniqueness?.lock ?? ""),
                    .integer(Int(job.uniqueness?.period.microseconds ?? 0)),
                ]
            }
            for (job, spec) in zip(batch, specs) {
                arguments.append(.string(job.id.description))
                arguments.append(.bytes(spec))
                arguments.append(.integer(job.waitsForRelease ? -1 : Int(job.runAt?.microseconds ?? 0)))
            }
            calls.append((
                QueueScripts.enqueue,
                keys.declaring(keys.ready, keys.scheduled, keys.fresh, keys.tenantJobs, keys.tenantBytes, keys.stats, keys.finished, keys.prioritized),
                arguments
            ))
        }
        let replies = try await redis.runPipelinedDurably(calls)
        try await registeredQueues.register(Array(Set(shards.map(\.queue))), through: redis)
        var result = EnqueueResult(created: 0, enqueuedAt: .localNow)
        var refusal: QueueError?
        for (shard, reply) in zip(shards, replies) {
            let values = try Self.array(reply, script: "enqueue")
            // A sharded queue's figures are its full shard's times the shards.
            let parts = policy.shardCount(of: shard.queue)
            switch values.first?.int {
            case 0:
                let depth = values.count > 1 ? values[1].int ?? 0 : 0
                refusal = .queueFull(queue: shard.queue, depth: depth * parts, limit: policy.maxLength(of: shard.queue))
            case 2:
                guard values.count == 5, let tenant = values[1].string, let measure = values[2].string.flatMap(TenantQuota.Measure.init),
                    let waiting = values[3].int, values[4].int != nil
                else { throw QueueError.unexpectedReply(script: "enqueue", reply: "\(reply)") }
                // The script held the shard to its share; the tenant's quota is the configured one.
                let quota = quotas?.quota(of: tenant) ?? .unlimited
                refusal = .tenantQuota(
                    queue: shard.queue, tenant: tenant, measure: measure, waiting: waiting * parts,
                    quota: measure == .jobs ? quota.jobs : quota.bytes)
            default:
                guard values.count >= 3, values.count % 2 == 1, let created = values[1].int, let now = values[2].int else {
                    throw QueueError.unexpectedReply(script: "enqueue", reply: "\(reply)")
                }
                result.created += created
                result.enqueuedAt = Timestamp(microseconds: Int64(now))
                let batch = byShard[shard]!
                for index in stride(from: 3, to: values.count, by: 2) {
                    guard let position = values[index].int, batch.indices.contains(position - 1),
                        let holder = values[index + 1].string.flatMap({ try? JobID($0) })
                    else { throw QueueError.unexpectedReply(script: "enqueue", reply: "\(reply)") }
                    result.uniqueHits[batch[position - 1].id] = holder
                }
            }
        }
        if let refusal { throw refusal }
        return result
    }

    /// What `tenant` has waiting in `queue`: jobs enqueued and neither taken by a worker
    /// yet nor cancelled, and their bytes, as its quota counts them.
    public func waiting(of tenant: String, in queue: QueueName) async throws -> (jobs: Int, bytes: Int) {
        let replies = try await redis.pipeline(
            shards(of: queue).flatMap { shard in
                let keys = QueueKeys(shard)
                return [
                    RedisCommand("HGET", .string(keys.tenantJobs), .string(tenant)),
                    RedisCommand("HGET", .string(keys.tenantBytes), .string(tenant)),
                ]
            })
        let counts = replies.map { $0.string.flatMap(Int.init) ?? 0 }
        return (stride(from: 0, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] }, stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] })
    }

    // MARK: Shards

    /// The shards of `queue`: the queue itself unless it is sharded.
    public func shards(of queue: QueueName) -> [QueueShard] {
        QueueShard.all(of: queue, count: policy.shardCount(of: queue))
    }

    /// The shard the job `id` lives in.
    public func shard(of id: JobID) -> QueueShard {
        QueueShard.of(id, count: policy.shardCount(of: id.queue))
    }

    /// The shard that holds the lock of `uniqueness` in `queue`, where its jobs must live.
    private func lockShard(of uniqueness: JobUniqueness, in queue: QueueName) -> QueueShard {
        let count = policy.shardCount(of: queue)
        guard count > 1 else { return QueueShard(queue) }
        return QueueShard(queue, index: Int(FNV1a64.hash(uniqueness.key.utf8).value % UInt64(count)))
    }

    /// A new id in `queue` for a job with the lock `uniqueness`: one that lives in the shard of
    /// its lock, as an enqueue requires of a sharded queue's unique job.
    public func uniqueJobID(for uniqueness: JobUniqueness, in queue: QueueName) -> JobID {
        let shard = lockShard(of: uniqueness, in: queue)
        while true {
            let id = JobID(in: queue)
            if self.shard(of: id) == shard { return id }
        }
    }

    /// The id in `queue` that `bits` (16 bytes or more) derive for a job with the lock
    /// `uniqueness`: `bits` as a ULID, its last two bytes turned until the id lives in the
    /// shard of its lock. The same bits always derive the same id, so that a resend of the
    /// job is taken for one.
    public func uniqueJobID(for uniqueness: JobUniqueness, in queue: QueueName, derivedFrom bits: [UInt8]) -> JobID {
        let shard = lockShard(of: uniqueness, in: queue)
        var turned = bits
        for turn in 0...UInt16.max {
            turned[14] = bits[14] ^ UInt8(turn >> 8)
            turned[15] = bits[15] ^ UInt8(turn & 0xFF)
            let id = JobID(in: queue, derivedFrom: turned)
            if self.shard(of: id) == shard { return id }
        }
        // Each turn lands in a shard at random: 65,536 turns that all miss the lock's does not happen.
        preconditionFailure("no turn of the id's bits lives in the shard of its lock")
    }

    /// The priorities a job may have.
    public static let priorities = 0...9

    /// The keys of the shard the job `id` lives in.
    func keys(of id: JobID) -> QueueKeys {
        QueueKeys(shard(of: id))
    }

    /// A sharded queue's `limit` (a length limit or a quota, 0 for none) for each of its `parts` shards.
    private static func share(_ limit: Int, of parts: Int) -> Int {
        limit == 0 || parts == 1 ? limit : max(1, (limit + parts - 1) / parts)
    }

    // MARK: Working

    /// What a reserve call returned.
    public struct Reservation: Sendable {
        public var jobs: [ReservedJob]
        /// The queue is paused: nothing was taken.
        public var paused: Bool
        /// How long the server waited, after the call reached it, before it reserved: the
        /// jobs' leases began at least this long after the call was sent.
        public var waited: Duration = .zero
    }

    /// The most jobs one reserve call takes.
    public static let reserveLimit = 1000

    /// Leases up to `count` jobs from the head of `queue` to `worker` for `lease`, and up to
    /// `prefetch` more, of which at most half of what the queue holds beyond `count`: a
    /// worker's buffer never empties a short queue that other workers wait on. `count` and
    /// `prefetch` together are at most ``reserveLimit``. From a sharded queue, it takes from the
    /// shards in turn: from the first, starting one further each call, that has a job.
    public func reserve(from queue: QueueName, count: Int, prefetch: Int = 0, lease: Duration, worker: String) async throws -> Reservation {
        let shards = shards(of: queue)
        let first = shards.count == 1 ? 0 : shardTurns.next(of: queue, among: shards.count)
        var reservation = Reservation(jobs: [], paused: false)
        for turn in 0..<shards.count {
            guard let call = Self.reserveCall(shards[(first + turn) % shards.count], count: count, prefetch: prefetch, lease: lease, worker: worker) else {
                return reservation
            }
            reservation = try Self.reservation(from: try await redis.runDurably(QueueScripts.reserve, keys: call.keys, arguments: call.arguments))
            if !reservation.jobs.isEmpty || reservation.paused {
                return reservation
            }
        }
        return reservation
    }

    /// A connection of its own for ``reserveWhenReady(from:count:prefetch:lease:worker:on:upTo:)``,
    /// which blocks it.
    public func makeWaitingConnection() -> RedisBlockingConnection {
        redis.makeBlockingConnection()
    }

    /// Waits on `connection` until `shard` (of ``shards(of:)``) has a ready job, or `timeout` passes,
    /// then reserves from it as ``reserve(from:count:prefetch:lease:worker:)`` does, in the same round trip:
    /// `BLMOVE ready ready RIGHT RIGHT` returns as soon as the list has an element, leaving the
    /// list as it was, and the reserve script sent behind it runs at once. A job enqueued
    /// for an idle worker is thus leased one round trip after its enqueue. A `TIME` sent
    /// first tells how long the wait was (``Reservation/waited``), for the worker to know
    /// when the leases began.
    public func reserveWhenReady(
        from shard: QueueShard, count: Int, prefetch: Int = 0, lease: Duration, worker: String,
        on connection: RedisBlockingConnection, upTo timeout: Duration
    ) async throws -> Reservation {
        guard let call = Self.reserveCall(shard, count: count, prefetch: prefetch, lease: lease, worker: worker) else {
            return Reservation(jobs: [], paused: false)
        }
        let ready = QueueKeys(shard).ready
        let timeoutSeconds = Double(timeout.microseconds) / 1_000_000
        let replies = try await connection.send(
            [RedisCommand("TIME"), RedisCommand("BLMOVE", .string(ready), .string(ready), "RIGHT", "RIGHT", .double(timeoutSeconds))],
            blockingFor: timeout, thenRun: QueueScripts.reserve, keys: call.keys, arguments: call.arguments, durably: true
        )
        var reservation = try Self.reservation(from: replies.script)
        // TIME answers the server's clock when the call arrived: seconds, then microseconds.
        guard let time = replies.commands[0].array, time.count == 2, let seconds = time[0].int, let microseconds = time[1].int,
            let reservedAt = reservation.jobs.first?.reservedAt
        else { return reservation }
        reservation.waited = .microseconds(max(0, reservedAt.microseconds - Int64(seconds * 1_000_000 + microseconds)))
        return reservation
    }

    private static func reserveCall(
        _ shard: QueueShard, count: Int, prefetch: Int, lease: Duration, worker: String
    ) -> (keys: [String], arguments: [RedisArgument])? {
        let count = min(max(count, 0), reserveLimit)
        let prefetch = min(max(prefetch, 0), reserveLimit - count)
        guard count + prefetch > 0 else { return nil }
        let keys = QueueKeys(shard)
        return (
            keys.declaring(keys.ready, keys.active, keys.paused, keys.fresh, keys.tenantJobs, keys.tenantBytes, keys.stats, keys.prioritized),
            [.string(keys.prefix), .integer(count), .integer(Int(lease.microseconds)), .string(worker), .integer(prefetch)]
        )
    }

    private static func reservation(from reply: RESPValue) throws -> Reservation {
        let values = try array(reply, script: "reserve")
        guard values.count == 3, let now = values[0].int, let fields = values[1].array, fields.count % 5 == 0 else {
            throw QueueError.unexpectedReply(script: "reserve", reply: "\(reply)")
        }
        let reservedAt = Timestamp(microseconds: Int64(now))
        var jobs: [ReservedJob] = []
        jobs.reserveCapacity(fields.count / 5)
        var index = 0
        while index < fields.count {
            guard let idText = fields[index].string, let id = try? JobID(idText), let token = fields[index + 1].string,
                let attempt = fields[index + 2].int, let spec = fields[index + 3].string.flatMap(JobSpec.init(packed:)),
                let enqueuedAt = fields[index + 4].string.flatMap(Int64.init)
            else { throw QueueError.unexpectedReply(script: "reserve", reply: "\(fields[index..<index + 5])") }
            jobs.append(
                ReservedJob(
                    id: id, token: token, attempt: attempt, kind: spec.kind, payload: spec.payload,
                    maxAttempts: spec.maxAttempts, timeout: .milliseconds(spec.timeoutMilliseconds),
                    enqueuedAt: Timestamp(microseconds: enqueuedAt), reservedAt: reservedAt,
                    requestID: spec.requestID, correlationID: spec.correlationID, traceContext: spec.traceContext, tenant: spec.tenant,
                    deadline: spec.options.deadline, batch: spec.options.batch.flatMap { try? BatchID($0) },
                    hasOptions: spec.options.concernCompletion
                )
            )
            index += 5
        }
        return Reservation(jobs: jobs, paused: values[2].int == 1)
    }

    /// Marks attempts succeeded, in one round trip. Returns, in order, whether each was
    /// taken (`false`: its lease was lost and the call refused).
    public func complete(_ completions: [(lease: JobLease, result: String)]) async throws -> [Bool] {
        guard !completions.isEmpty else { return [] }
        var positions: [QueueShard: [Int]] = [:]
        for (index, completion) in completions.enumerated() { positions[shard(of: completion.lease.id), default: []].append(index) }
        let shards = Array(positions.keys)
        let calls = shards.map { shard in
            let keys = QueueKeys(shard)
            let indices = positions[shard]!
            let withOptions = indices.indices.filter { completions[indices[$0]].lease.hasOptions }
            var arguments: [RedisArgument] = [.string(keys.prefix), .integer(Int(policy.retention.microseconds)), .integer(withOptions.count)]
            arguments += withOptions.map { .integer($0 + 1) }
            for index in indices {
                let completion = completions[index]
                arguments.append(.string(completion.lease.id.description))
                arguments.append(.string(completion.lease.token))
                arguments.append(.string(completion.result))
            }
            return (script: QueueScripts.complete, keys: keys.declaring(keys.active, keys.stats, keys.finished), arguments: arguments)
        }
        let replies = try await redis.runPipelinedDurably(calls)
        var taken = [Bool](repeating: false, count: completions.count)
        for (shard, reply) in zip(shards, replies) {
            let values = try Self.array(reply, script: "complete")
            for (index, value) in zip(positions[shard]!, values) { taken[index] = value.int == 1 }
        }
        return taken
    }

    /// What became of a failed attempt.
    public enum FailureOutcome: String, Sendable {
        /// Scheduled for another attempt.
        case retrying
        /// Moved to the dead set.
        case dead
        /// Refused: the attempt no longer holds its lease.
        case refused
    }

    /// Records a failed attempt: a retry after `retryIn`, or the dead set when the error
    /// is permanent or the attempts are spent.
    public func fail(_ lease: JobLease, error: String, retryIn: Duration, permanent: Bool) async throws -> FailureOutcome {
        let keys = keys(of: lease.id)
        let reply = try await redis.runDurably(
            QueueScripts.fail,
            keys: keys.declaring(keys.active, keys.scheduled, keys.dead, keys.stats),
            arguments: [
                .string(keys.prefix), .string(lease.id.description), .string(lease.token), .string(error),
                .integer(Int(retryIn.microseconds)), .integer(permanent ? 1 : 0),
                .integer(deadLimit(of: lease.id.queue)), .integer(Int(policy.deadRetention.microseconds)),
            ]
        )
        guard let text = reply.string, let outcome = FailureOutcome(rawValue: text) else {
            throw QueueError.unexpectedReply(script: "fail", reply: "\(reply)")
        }
        return outcome
    }

    /// Puts a running job back on the schedule until `runAt` (or now, if that has passed)
    /// without spending an attempt: the next attempt has this attempt's number. For a
    /// handler that could not start its work, e.g. because a dependency's circuit breaker
    /// is open.
    /// - Returns: `false` when the attempt no longer holds its lease and nothing changed.
    public func `defer`(_ lease: JobLease, until runAt: Timestamp) async throws -> Bool {
        let keys = keys(of: lease.id)
        let reply = try await redis.runDurably(
            QueueScripts.defer,
            keys: keys.declaring(keys.active, keys.scheduled, keys.stats),
            arguments: [.string(keys.prefix), .string(lease.id.description), .string(lease.token), .integer(Int(runAt.microseconds))]
        )
        switch reply.string {
        case "scheduled": return true
        case "refused": return false
        default: throw QueueError.unexpectedReply(script: "defer", reply: "\(reply)")
        }
    }

    /// Discards a job whose ``ReservedJob/deadline`` passed before its first attempt could
    /// start, instead of running it: the job is cancelled with `reason` as its error.
    /// - Returns: `false` when the attempt no longer holds its lease and nothing changed.
    public func expire(_ lease: JobLease, reason: String) async throws -> Bool {
        let keys = keys(of: lease.id)
        let reply = try await redis.runDurably(
            QueueScripts.expire,
            keys: keys.declaring(keys.active, keys.finished, keys.stats),
            arguments: [
                .string(keys.prefix), .string(lease.id.description), .string(lease.token), .integer(Int(policy.retention.microseconds)), .string(reason),
            ]
        )
        switch reply.string {
        case "cancelled": return true
        case "refused": return false
        default: throw QueueError.unexpectedReply(script: "expire", reply: "\(reply)")
        }
    }

    /// Returns unfinished attempts to the head of their queues without spending an
    /// attempt. Returns how many were still held and went back.
    @discardableResult
    public func handBack(_ leases: [JobLease]) async throws -> Int {
        let calls = groupedByShard(leases).map { shard, leases in
            let keys = QueueKeys(shard)
            return (
                script: QueueScripts.handBack, keys: keys.declaring(keys.active, keys.ready, keys.prioritized, keys.stats),
                arguments: [.string(keys.prefix)] + Self.leaseArguments(leases)
            )
        }
        guard !calls.isEmpty else { return 0 }
        return try await redis.runPipelinedDurably(calls).reduce(0) { $0 + (try Self.integer($1, script: "hand_back")) }
    }

    /// What a renewal found: the attempts that must stop.
    public struct Renewal: Sendable {
        /// Attempts whose lease is lost: recovered, or handed back.
        public var lost: [JobLease] = []
        /// Attempts cancelled while running.
        public var cancelled: [JobLease] = []
    }

    /// Renews the leases of running attempts until `lease` from now, and tells which must
    /// stop. An attempt is named with its token, so that news of an old attempt never stops
    /// a newer attempt of the same job.
    public func renew(_ leases: [JobLease], for lease: Duration) async throws -> Renewal {
        let grouped = groupedByShard(leases)
        let shards = Array(grouped.keys)
        let calls = shards.map { shard in
            let keys = QueueKeys(shard)
            return (
                script: QueueScripts.heartbeat, keys: keys.declaring(keys.active, keys.cancelling),
                arguments: [.string(keys.prefix), .integer(Int(lease.microseconds))] + Self.leaseArguments(grouped[shard]!)
            )
        }
        guard !calls.isEmpty else { return Renewal() }
        var renewal = Renewal()
        for (shard, reply) in zip(shards, try await redis.runPipelined(calls)) {
            let lists = try Self.array(reply, script: "heartbeat")
            guard lists.count == 2 else { throw QueueError.unexpectedReply(script: "heartbeat", reply: "\(reply)") }
            renewal.lost += Self.leases(lists[0], in: shard.queue)
            renewal.cancelled += Self.leases(lists[1], in: shard.queue)
        }
        return renewal
    }

    /// Those of `leases` whose attempts were cancelled while running: their workers look
    /// every moment, and stop them. Read-only; ``forgetCancellations(_:)`` clears them.
    public func cancellations(among leases: [JobLease]) async throws -> [JobLease] {
        let grouped = groupedByShard(leases)
        let shards = Array(grouped.keys)
        guard !shards.isEmpty else { return [] }
        let replies = try await redis.pipeline(
            shards.map { shard in RedisCommand("ZMSCORE", [.string(QueueKeys(shard).cancelling)] + grouped[shard]!.map { .string($0.member) }) }
        )
        var cancelled: [JobLease] = []
        for (shard, reply) in zip(shards, replies) {
            for (lease, score) in zip(grouped[shard]!, reply.array ?? []) where !score.isNull { cancelled.append(lease) }
        }
        return cancelled
    }

    /// Clears cancelled attempts that their worker has stopped.
    public func forgetCancellations(_ leases: [JobLease]) async throws {
        let grouped = groupedByShard(leases)
        guard !grouped.isEmpty else { return }
        _ = try await redis.pipeline(
            grouped.map { shard, leases in RedisCommand("ZREM", [.string(QueueKeys(shard).cancelling)] + leases.map { .string($0.member) }) }
        )
    }

    // MARK: Maintenance

    /// Moves up to `limit` due jobs of `queue` (of each of its shards) from the schedule to the queue.
    public func promoteDue(in queue: QueueName, limit: Int = 1000) async throws -> Int {
        let calls = shards(of: queue).map { shard in
            let keys = QueueKeys(shard)
            return (
                script: QueueScripts.promote, keys: keys.declaring(keys.scheduled, keys.ready, keys.prioritized, keys.stats),
                arguments: [RedisArgument.string(keys.prefix), .integer(limit)]
            )
        }
        return try await redis.runPipelined(calls).reduce(0) { $0 + (try Self.integer($1, script: "promote")) }
    }

    /// How many times a job's attempt may end before its first renewal without counting:
    /// such an attempt may never have reached its worker (see `recover.lua`).
    public static let uncountedUnstartedAttempts = 2

    /// Recovers up to `limit` attempts of `queue` (of each of its shards) whose lease expired.
    /// A sharded queue's dead limit, as its length limit, is split over its shards.
    public func recoverExpired(in queue: QueueName, limit: Int = 1000) async throws -> Int {
        let calls = shards(of: queue).map { shard in
            let keys = QueueKeys(shard)
            return (
                script: QueueScripts.recover,
                keys: keys.declaring(keys.active, keys.ready, keys.dead, keys.stats, keys.finished, keys.cancelling, keys.prioritized),
                arguments: [
                    RedisArgument.string(keys.prefix), .integer(limit), .integer(deadLimit(of: queue)),
                    .integer(Int(policy.deadRetention.microseconds)), .integer(Int(policy.retention.microseconds)),
                    .integer(Self.uncountedUnstartedAttempts),
                ]
            )
        }
        return try await redis.runPipelined(calls).reduce(0) { $0 + (try Self.integer($1, script: "recover")) }
    }

    /// The most dead jobs each shard of `queue` keeps.
    private func deadLimit(of queue: QueueName) -> Int {
        Self.share(policy.deadLimit, of: policy.shardCount(of: queue))
    }

    // MARK: Administration

    /// What a cancel did.
    public enum CancelOutcome: Sendable, Equatable {
        /// The job was waiting, and will never run.
        case cancelled
        /// The job was running: its attempt is fenced off (nothing it reports counts) and its
        /// worker stops it within a second.
        case cancelledWhileRunning
        /// No such job (or it expired).
        case notFound
        /// The job has finished: it can no longer be cancelled.
        case notCancellable(JobState)
    }

    /// Cancels a job that has not finished, in a time that does not grow with its queue.
    public func cancel(_ id: JobID) async throws -> CancelOutcome {
        let keys = keys(of: id)
        let reply = try await redis.runDurably(
            QueueScripts.cancel,
            keys: keys.declaring(
                keys.scheduled, keys.finished, keys.fresh, keys.tenantJobs, keys.tenantBytes, keys.active, keys.cancelling, keys.stats, keys.prioritized
            ),
            arguments: [.string(keys.prefix), .string(id.description), .integer(Int(policy.retention.microseconds))]
        )
        switch reply {
        case .integer(1): return .cancelled
        case .integer(2): return .cancelledWhileRunning
        default: break
        }
        switch reply.string {
        case "missing": return .notFound
        case let state?:
            guard let state = JobState(rawValue: state) else { fallthrough }
            return .notCancellable(state)
        default: throw QueueError.unexpectedReply(script: "cancel", reply: "\(reply)")
        }
    }

    /// Queues a dead job again with fresh attempts. Returns `false` when it is not dead.
    public func retryDead(_ id: JobID) async throws -> Bool {
        let keys = keys(of: id)
        let reply = try await redis.runDurably(
            QueueScripts.retryDead, keys: keys.declaring(keys.dead, keys.ready, keys.prioritized, keys.stats),
            arguments: [.string(keys.prefix), .string(id.description)]
        )
        return try Self.integer(reply, script: "retry_dead") == 1
    }

    /// Deletes a dead job. Returns `false` when it is not dead.
    public func discardDead(_ id: JobID) async throws -> Bool {
        let keys = keys(of: id)
        let reply = try await redis.runDurably(
            QueueScripts.discardDead, keys: keys.declaring(keys.dead), arguments: [.string(keys.prefix), .string(id.description)]
        )
        return try Self.integer(reply, script: "discard_dead") == 1
    }

    /// Queues a job of the schedule (delayed, deferred, or waiting for a retry) now, behind the
    /// jobs already waiting, as its due time would; its attempts stay as they are. Returns
    /// `false` when it is not in the schedule (it ran, was cancelled, or never was).
    public func runNow(_ id: JobID) async throws -> Bool {
        let keys = keys(of: id)
        let reply = try await redis.runDurably(
            QueueScripts.runNow, keys: keys.declaring(keys.scheduled, keys.ready, keys.prioritized, keys.stats),
            arguments: [.string(keys.prefix), .string(id.description)]
        )
        return try Self.integer(reply, script: "run_now") == 1
    }

    /// Stops workers from taking jobs of `queue`; enqueueing goes on.
    public func pause(_ queue: QueueName) async throws {
        try await sendToEachShard(of: queue) { RedisCommand("SET", .string($0.paused), "1") }
    }

    /// Lets workers take jobs of `queue` again.
    public func resume(_ queue: QueueName) async throws {
        try await sendToEachShard(of: queue) { RedisCommand("DEL", .string($0.paused)) }
    }

    /// Sends the command `command` makes of each shard's keys, in one pipeline.
    /// - Throws: the first error reply, as the `RedisError` it is.
    private func sendToEachShard(of queue: QueueName, _ command: (QueueKeys) -> RedisCommand) async throws {
        let replies = try await redis.pipeline(shards(of: queue).map { command(QueueKeys($0)) })
        // The first error reply, found without a throwing call in the loop, which the optimizer
        // of Swift 6.3 cannot split into an async function's parts.
        if let failure = replies.lazy.compactMap({ reply -> String? in
            if case .error(let message) = reply { return message }
            return nil
        }).first {
            throw RedisError(kind: .server, message: failure)
        }
    }

    // MARK: Reading

    /// The job with this id, or `nil` when there is none (never was, or expired).
    public func job(_ id: JobID) async throws -> JobRecord? {
        let keys = keys(of: id)
        let replies = try await redis.pipeline([
            RedisCommand("HGETALL", .string(keys.job(id))),
            RedisCommand("HGET", .string(keys.fresh), .string(id.description)),
            RedisCommand("ZSCORE", .string(keys.finished), .string(id.description)),
        ])
        let fields = replies[1].string.flatMap(Self.freshFields) ?? Self.fields(replies[0])
        guard var record = JobRecord(id: id, fields: fields) else { return nil }
        // A succeeded job's hash is left as its attempt found it; the finished set says when it succeeded.
        // One whose kind keeps it longer or shorter joined the set that much later (`kept`).
        if record.state != .cancelled, let succeededAt = replies[2].string.flatMap(Double.init) {
            record.state = .succeeded
            record.finishedAt = Timestamp(microseconds: Int64(succeededAt) - (fields["kept"].flatMap(Int64.init) ?? 0))
        }
        return record
    }

    /// Every queue that has had a job, by name.
    public func knownQueues() async throws -> [QueueName] {
        let reply = try await redis.send(RedisCommand("SMEMBERS", .string(QueueKeys.knownQueues)))
        return (reply.array ?? []).compactMap { $0.string.flatMap { try? QueueName($0) } }.sorted()
    }

    /// The figures of `queue`, read in one round trip; of a sharded queue, summed over its
    /// shards, with the longest wait of any.
    public func statistics(of queue: QueueName) async throws -> QueueStatistics {
        let shards = shards(of: queue)
        let perShard = 7
        let replies = try await redis.pipeline(
            shards.flatMap { shard in
                let keys = QueueKeys(shard)
                return [
                    RedisCommand("LLEN", .string(keys.ready)),
                    RedisCommand("ZCARD", .string(keys.active)),
                    RedisCommand("ZCARD", .string(keys.scheduled)),
                    RedisCommand("ZCARD", .string(keys.dead)),
                    RedisCommand("EXISTS", .string(keys.paused)),
                    RedisCommand("HGETALL", .string(keys.stats)),
                    RedisCommand("LINDEX", .string(keys.ready), -1),
                ]
            } + [RedisCommand("TIME")])
        var statistics = QueueStatistics(
            queue: queue, depth: 0, running: 0, scheduled: 0, dead: 0, paused: false, latency: .zero,
            succeeded: 0, retried: 0, buried: 0, recovered: 0, deferred: 0
        )
        var oldest: [JobID] = []
        for number in shards.indices {
            let shard = Array(replies[(number * perShard)..<((number + 1) * perShard)])
            let counters = Self.fields(shard[5])
            let count = { (name: String) in counters[name].flatMap(Int.init) ?? 0 }
            statistics.depth += max(0, (shard[0].int ?? 0) - count("cancelled_in_line"))
            statistics.running += shard[1].int ?? 0
            statistics.scheduled += shard[2].int ?? 0
            statistics.dead += shard[3].int ?? 0
            statistics.paused = statistics.paused || shard[4].int == 1
            statistics.succeeded += count("succeeded")
            statistics.retried += count("retried")
            statistics.buried += count("dead")
            statistics.recovered += count("recovered")
            statistics.deferred += count("deferred")
            if let id = shard[6].string.flatMap({ try? JobID($0) }) { oldest.append(id) }
        }
        if let time = replies.last?.array, time.count == 2, let seconds = time[0].int, let micros = time[1].int,
            let enqueued = try await enqueueTimes(of: oldest).min()
        {
            statistics.latency = .microseconds(max(0, seconds * 1_000_000 + micros - enqueued))
        }
        return statistics
    }

    /// When each job of `ids` was last queued, in microseconds, for those that still are.
    private func enqueueTimes(of ids: [JobID]) async throws -> [Int] {
        guard !ids.isEmpty else { return [] }
        let replies = try await redis.pipeline(
            ids.flatMap { id in
                let keys = keys(of: id)
                return [
                    RedisCommand("HGET", .string(keys.fresh), .string(id.description)),
                    RedisCommand("HGET", .string(keys.job(id)), "enqueued_at"),
                ]
            })
        return stride(from: 0, to: replies.count, by: 2).compactMap { index in
            replies[index].string.flatMap(Self.freshFields)?["enqueued_at"].flatMap(Int.init) ?? replies[index + 1].int
        }
    }

    /// Dead jobs of `queue`, newest first; of a sharded queue, its shards' merged.
    public func deadJobs(in queue: QueueName, offset: Int = 0, limit: Int = 50) async throws -> [JobRecord] {
        try await jobs(ranked: \.dead, in: queue, offset: offset, limit: limit, newestFirst: true)
    }

    /// Jobs of `queue`'s schedule (delayed, deferred by an open breaker, or waiting for a
    /// retry; their ``JobRecord/state`` tells which), the soonest due first, from the
    /// `offset`th on; of a sharded queue, its shards' merged. The schedule is read by rank, so
    /// a page costs what its `offset + limit` jobs cost, however many the schedule holds.
    public func scheduledJobs(in queue: QueueName, offset: Int = 0, limit: Int = 50) async throws -> [JobRecord] {
        try await jobs(ranked: \.scheduled, in: queue, offset: offset, limit: limit, newestFirst: false)
    }

    /// The jobs at ranks `offset ..< offset + limit` of the sorted set `set` of `queue`, by
    /// score (highest first when `newestFirst`), then id, with their hashes. One shard is read
    /// at those ranks alone; of several, each shard's first `offset + limit` are merged, since
    /// the page's jobs may be in any of them. Ids whose hash is gone are left out.
    private func jobs(ranked set: KeyPath<QueueKeys, String>, in queue: QueueName, offset: Int, limit: Int, newestFirst: Bool) async throws -> [JobRecord] {
        guard limit > 0 else { return [] }
        let shards = shards(of: queue)
        let first = shards.count == 1 ? offset : 0
        let replies = try await redis.pipeline(
            shards.map {
                RedisCommand(newestFirst ? "ZREVRANGE" : "ZRANGE", .string(QueueKeys($0)[keyPath: set]), .integer(first), .integer(offset + limit - 1), "WITHSCORES")
            })
        var members: [(id: JobID, score: Double)] = []
        for reply in replies {
            let values = try reply.throwingServerError().array ?? []
            for index in stride(from: 0, to: values.count - 1, by: 2) {
                if let id = values[index].string.flatMap({ try? JobID($0) }), let score = values[index + 1].string.flatMap(Double.init) {
                    members.append((id, score))
                }
            }
        }
        members.sort { newestFirst ? ($0.score, $0.id.description) > ($1.score, $1.id.description) : ($0.score, $0.id.description) < ($1.score, $1.id.description) }
        let page = members.dropFirst(offset - first).prefix(limit).map(\.id)
        guard !page.isEmpty else { return [] }
        let records = try await redis.pipeline(page.map { RedisCommand("HGETALL", .string(keys(of: $0).job($0))) })
        return zip(page, records).compactMap { JobRecord(id: $0, fields: Self.fields($1)) }
    }

    // MARK: Declaring shards

    /// This queue with its shard counts (``QueuePolicy/shards``) checked against those recorded
    /// in Redis, those not recorded yet recorded, and those recorded but not declared here
    /// taken on: every process must look for a sharded queue's jobs where the others put them.
    /// Call it at start.
    ///
    /// - Throws: ``QueueError/shardsClash(queue:reason:)`` when a count differs from the recorded
    ///   one, or when a queue declared sharded holds jobs as a plain queue, which its shards would
    ///   never reach.
    public func checkingShards() async throws -> JobQueue {
        var policy = self.policy
        let recorded = Self.fields(try await redis.send(RedisCommand("HGETALL", .string(QueueKeys.shardCounts))))
        for (name, text) in recorded {
            guard let queue = try? QueueName(name), let count = Int(text), count > 1 else { continue }
            guard let declared = policy.shards[queue] else {
                policy.shards[queue] = count
                continue
            }
            guard declared == count else {
                throw QueueError.shardsClash(queue: queue, reason: "it is recorded with \(count) shards, and declared here with \(declared): declare \(queue):\(count) in every process")
            }
        }
        for (queue, count) in policy.shards.sorted(by: { $0.key < $1.key }) where count > 1 && recorded[queue.rawValue] == nil {
            let plain = QueueKeys(queue)
            let held = try await redis.pipeline(
                [plain.ready, plain.fresh, plain.scheduled, plain.active, plain.dead].map { RedisCommand("EXISTS", .string($0)) })
            guard held.allSatisfy({ $0.int == 0 }) else {
                throw QueueError.shardsClash(queue: queue, reason: "it holds jobs as a queue of one shard: let workers drain it first, or shard a queue of another name")
            }
            let set = try await redis.send(RedisCommand("HSETNX", .string(QueueKeys.shardCounts), .string(queue.rawValue), .integer(count)))
            if set.int == 0 {
                // Another process recorded it meanwhile: compare with that.
                return try await checkingShards()
            }
        }
        return JobQueue(redis: redis, policy: policy)
    }

    // MARK: Replies

    /// A script's array reply. An error reply (Redis still loading after a restart, say) is
    /// thrown as the `RedisError` it is, which callers may retry.
    private static func array(_ reply: RESPValue, script: String) throws -> [RESPValue] {
        guard let values = try reply.throwingServerError().array else { throw QueueError.unexpectedReply(script: script, reply: "\(reply)") }
        return values
    }

    private static func integer(_ reply: RESPValue, script: String) throws -> Int {
        guard let value = try reply.throwingServerError().int else { throw QueueError.unexpectedReply(script: script, reply: "\(reply)") }
        return value
    }

    private static func fields(_ reply: RESPValue) -> [String: String] {
        let values = reply.array ?? []
        var fields: [String: String] = [:]
        fields.reserveCapacity(values.count / 2)
        var index = 0
        while index + 1 < values.count {
            if let name = values[index].string { fields[name] = values[index + 1].string ?? "" }
            index += 2
        }
        return fields
    }

    /// The fields of a fresh job's hash-to-be from its entry in the fresh hash: queued,
    /// created and enqueued at the entry's time.
    private static func freshFields(_ entry: String) -> [String: String]? {
        guard let cut = entry.firstIndex(of: "\n") else { return nil }
        let enqueuedAt = String(entry[..<cut])
        return ["spec": String(entry[entry.index(after: cut)...]), "state": "queued", "created_at": enqueuedAt, "enqueued_at": enqueuedAt]
    }

    /// Why `job` can never be enqueued as it is (a field holding a line break), or nil: what
    /// an enqueue refuses a batch holding it for, so that a caller can set it apart first.
    public static func invalidity(of job: JobRequest) -> QueueError? {
        JobSpec.unpackableField(of: job).map { field in
            .invalidJob(id: job.id.description, reason: "its \(field) holds a line break, or a tab that an id cannot hold")
        }
    }

    /// Refuses a call with a job that can never be enqueued (``invalidity(of:)``), with one id
    /// twice (the second would be taken for a resend of the first), with a priority out of
    /// its range, or with a unique job that does not live in the shard of its lock.
    private func checkPackable(_ jobs: [JobRequest]) throws {
        var ids = Set<JobID>(minimumCapacity: jobs.count)
        for job in jobs {
            if let invalidity = Self.invalidity(of: job) { throw invalidity }
            if !Self.priorities.contains(job.priority) {
                throw QueueError.invalidJob(id: job.id.description, reason: "its priority is \(job.priority): give one from 0 to 9")
            }
            if let uniqueness = job.uniqueness, shard(of: job.id) != lockShard(of: uniqueness, in: job.queue) {
                throw QueueError.invalidJob(
                    id: job.id.description, reason: "a unique job of a sharded queue lives in the shard of its lock: make its id with JobQueue.uniqueJobID(for:in:)"
                )
            }
            guard ids.insert(job.id).inserted else {
                throw QueueError.invalidJob(id: job.id.description, reason: "the same id appears twice in one call")
            }
        }
    }

    /// Each tenant's jobs of `batch` and the bytes of their specs. A batch is mostly one
    /// tenant's: a run of jobs of one tenant is summed before it meets the dictionary.
    private static func tally(_ batch: [JobRequest], specs: [[UInt8]]) -> [String: (jobs: Int, bytes: Int)] {
        var tenants: [String: (jobs: Int, bytes: Int)] = [:]
        var run = (tenant: batch[0].tenant, jobs: 0, bytes: 0)
        for (job, spec) in zip(batch, specs) {
            if job.tenant != run.tenant {
                tenants[run.tenant, default: (0, 0)].jobs += run.jobs
                tenants[run.tenant, default: (0, 0)].bytes += run.bytes
                run = (job.tenant, 0, 0)
            }
            run.jobs += 1
            run.bytes += spec.count
        }
        tenants[run.tenant, default: (0, 0)].jobs += run.jobs
        tenants[run.tenant, default: (0, 0)].bytes += run.bytes
        return tenants
    }

    /// `leases` by the shard of their job, each shard's in their order.
    private func groupedByShard(_ leases: [JobLease]) -> [QueueShard: [JobLease]] {
        Dictionary(grouping: leases) { shard(of: $0.id) }
    }

    /// The leases of a script's array of `<id>:<token>` members of `queue`.
    private static func leases(_ members: RESPValue, in queue: QueueName) -> [JobLease] {
        (members.array ?? []).compactMap { $0.string.flatMap { JobLease(member: $0, in: queue) } }
    }

    private static func leaseArguments(_ leases: [JobLease]) -> [RedisArgument] {
        leases.flatMap { [RedisArgument.string($0.id.description), .string($0.token)] }
    }
}

/// The queues one process has written to the set of known queues.
private final class RegisteredQueues: Sendable {
    private let queues = Mutex<Set<QueueName>>([])

    /// Adds to the set those of `candidates` not added yet by this process.
    func register(_ candidates: [QueueName], through redis: RedisClient) async throws {
        let missing = queues.withLock { registered in candidates.filter { !registered.contains($0) } }
        guard !missing.isEmpty else { return }
        try await redis.send(RedisCommand("SADD", [.string(QueueKeys.knownQueues)] + missing.map { .string($0.rawValue) }))
        queues.withLock { $0.formUnion(missing) }
    }
}

/// Where each sharded queue's next reserve starts, so that one process's reserves go round
/// the shards.
private final class ShardTurns: Sendable {
    private let turns = Mutex<[QueueName: Int]>([:])

    /// The shard, of `count`, to start from this time.
    func next(of queue: QueueName, among count: Int) -> Int {
        turns.withLock { turns in
            let turn = turns[queue, default: Int.random(in: 0..<count)] % count
            turns[queue] = turn + 1
            return turn
        }
    }
}
