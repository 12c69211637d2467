import ConveyorCore
import ConveyorRedis
import Foundation

/// Batches: jobs created together, whose outcomes their batch counts, with jobs that come
/// after others (a workflow) and callbacks once all have finished. A batch lives under a
/// hash tag of its own, its members in their queues; a member's outcome goes from its queue
/// to its batch through the queue's batch_events, which every worker relays for the queues
/// it serves (``relayBatchOutcomes(in:from:)``), so that none is lost however the processes
/// die, and none counts twice.
extension JobQueue {
    /// How long a batch may stay `opening` before its outcomes are counted as an abandoned
    /// batch's: its creator died before it had enqueued every member.
    public static let batchOpeningLimit = Duration.seconds(600)

    /// Creates `batch`: records it, enqueues its members (those that come after others to
    /// wait, ``JobState/waiting``), then opens it.
    ///
    /// A creator that dies before it opens a batch leaves it `opening`: sent again with the
    /// same ids (an `Idempotency-Key` gives them), the request completes it.
    /// - Returns: the members' ids, in order.
    /// - Throws: ``QueueError/invalidBatch(_:)``, or what ``enqueue(_:quotas:firstSending:)`` throws.
    @discardableResult
    public func createBatch(_ batch: BatchRequest, quotas: TenantQuotas? = nil) async throws -> [JobID] {
        if let problem = batch.problem() { throw QueueError.invalidBatch(problem) }
        let keys = BatchKeys(batch.id)
        var arguments: [RedisArgument] = [
            .string(batch.tenant), .string(batch.onSuccess.map { BatchCallback($0).json } ?? ""),
            .string(batch.onComplete.map { BatchCallback($0).json } ?? ""), .integer(Int(policy.retention.microseconds / 1000)),
        ]
        var jobs: [JobRequest] = []
        jobs.reserveCapacity(batch.members.count)
        for member in batch.members {
            var job = member.job
            job.batch = batch.id
            job.waitsForRelease = !member.after.isEmpty
            jobs.append(job)
            arguments += [
                .string(job.id.description), .integer(member.after.count), .string(member.onDependencyFailure.rawValue),
                .string(member.after.map { batch.members[$0].job.id.description }.joined(separator: " ")),
            ]
        }
        let created = try await redis.runDurably(
            QueueScripts.batchCreate, keys: [keys.record, keys.members, keys.waits, keys.dependents, keys.fallbacks], arguments: arguments
        )
        _ = try Self.batchReply(created, script: "batch_create").int
        try await enqueue(jobs, quotas: quotas)
        let actions = try await redis.runDurably(
            QueueScripts.batchOpen, keys: [keys.record, keys.actions], arguments: [.string(keys.prefix), .integer(Int(policy.retention.microseconds))]
        )
        try await perform(try Self.batchReply(actions, script: "batch_open").array ?? [], of: batch.id)
        return jobs.map(\.id)
    }

    /// The batch `id`, or nil when there is none (never was, or its retention has passed).
    public func batchStatus(_ id: BatchID) async throws -> BatchStatus? {
        let keys = BatchKeys(id)
        let replies = try await redis.pipeline([
            RedisCommand(
                "HMGET", .string(keys.record), "state", "tenant", "total", "succeeded", "dead", "cancelled", "created_at", "finished_at",
                "success_made", "complete_made", "on_success", "on_complete"
            ),
            RedisCommand("HLEN", .string(keys.failed)),
        ])
        let fields = try replies[0].throwingServerError().array ?? []
        guard fields.count == 12, let state = fields[0].string.flatMap(BatchStatus.State.init), let created = fields[6].string.flatMap(Int64.init) else {
            return nil
        }
        func count(_ index: Int) -> Int { fields[index].string.flatMap(Int.init) ?? 0 }
        func callbackJob(made index: Int, name: String) -> JobID? {
            guard fields[index].string == "1", let text = fields[index + 2].string else { return nil }
            return BatchCallback(json: text)?.id(named: name, of: id)
        }
        return BatchStatus(
            id: id, tenant: fields[1].string ?? "", state: state, total: count(2), succeeded: count(3), dead: count(4), cancelled: count(5),
            failed: try replies[1].throwingServerError().int ?? 0, createdAt: Timestamp(microseconds: created),
            finishedAt: fields[7].string.flatMap(Int64.init).map(Timestamp.init(microseconds:)),
            onSuccessJob: callbackJob(made: 8, name: "on_success"), onCompleteJob: callbackJob(made: 9, name: "on_complete")
        )
    }

    /// Applies up to `limit` of the batch outcomes waiting in `shard` to their batches, from
    /// the scan position `cursor` ("0" to begin), and does what they call for: releases the
    /// jobs whose dependencies are done, cancels those whose dependency died, enqueues the
    /// callbacks due. Each outcome leaves the shard only once its batch has it and its
    /// actions are done, so a relay that dies midway leaves the rest to the next.
    /// - Returns: the outcomes applied, and the position to scan from next ("0": the end).
    public func relayBatchOutcomes(in shard: QueueShard, from cursor: String = "0", limit: Int = 200) async throws -> (applied: Int, cursor: String) {
        let events = QueueKeys(shard).batchEvents
        let reply = try await redis.send(RedisCommand("HSCAN", .string(events), .string(cursor), "COUNT", .integer(limit))).throwingServerError()
        guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
            throw QueueError.unexpectedReply(script: "HSCAN", reply: "\(reply)")
        }
        let entries = parts[1].array ?? []
        var byBatch: [BatchID: [(id: String, outcome: String, value: String)]] = [:]
        var unreadable: [(id: String, value: String)] = []
        for index in stride(from: 0, to: entries.count - 1, by: 2) {
            guard let id = entries[index].string, let value = entries[index + 1].string else { continue }
            let parts = value.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let batch = try? BatchID(String(parts[0])) else {
                unreadable.append((id, value))
                continue
            }
            byBatch[batch, default: []].append((id, String(parts[1]), value))
        }
        var applied: [(id: String, value: String)] = unreadable
        for (batch, outcomes) in byBatch {
            let keys = BatchKeys(batch)
            let recorded = try await redis.runDurably(
                QueueScripts.batchRecord,
                keys: [keys.record, keys.members, keys.waits, keys.dependents, keys.fallbacks, keys.failed, keys.actions],
                arguments: [.string(keys.prefix), .integer(Int(policy.retention.microseconds)), .integer(Int(Self.batchOpeningLimit.microseconds))]
                    + outcomes.flatMap { [RedisArgument.string($0.id), .string($0.outcome)] }
            )
            let values = try Self.batchReply(recorded, script: "batch_record").array ?? []
            switch values.first?.string {
            case "opening":
                continue
            case "recorded":
                try await perform(Array(values.dropFirst()), of: batch)
            default:
                break  // no such batch: its retention has passed
            }
            applied += outcomes.map { ($0.id, $0.value) }
        }
        if !applied.isEmpty {
            _ = try await redis.runDurably(
                QueueScripts.batchEventsAck, keys: [events], arguments: applied.flatMap { [RedisArgument.string($0.id), .string($0.value)] }
            ).throwingServerError()
        }
        return (applied.count, next)
    }

    /// Does the batch's pending `actions`, then removes them from its record.
    private func perform(_ actions: [RESPValue], of batch: BatchID) async throws {
        let names = actions.compactMap(\.string)
        guard !names.isEmpty else { return }
        let keys = BatchKeys(batch)
        for name in names {
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "release":
                if let id = try? JobID(parts[1]) { _ = try await runNow(id) }
            case "cancel":
                if let id = try? JobID(parts[1]) { _ = try await cancel(id) }
            case "callback":
                let text = try await redis.send(RedisCommand("HGET", .string(keys.record), .string(parts[1]))).throwingServerError().string
                if let text, let callback = BatchCallback(json: text) {
                    try await enqueue([try callback.job(named: parts[1], of: batch)])
                }
            default:
                break
            }
        }
        _ = try await redis.send(RedisCommand("HDEL", [.string(keys.actions)] + names.map { .string($0) })).throwingServerError()
    }

    private static func batchReply(_ reply: RESPValue, script: String) throws -> RESPValue {
        try reply.throwingServerError()
    }
}
