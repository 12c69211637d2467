import ConveyorCore
import ConveyorRedis

/// The idempotency records in Redis, one hash per tenant and key, kept for the retention from
/// the key's first use: `pending` while a request with the key runs, `free` once one failed
/// (so that it may be sent again), `done` with the answer (``StoredResponse``) once one
/// succeeded. A record also keeps when the key was first used (its `epoch`), which the jobs
/// a request makes take into their ids: a repeat within the retention makes the same ids,
/// whether the first request failed, lost its reply, or its key could not be freed.
struct IdempotencyStore: Sendable {
    let redis: RedisClient
    /// How long an answer is kept, and so how long a key stays taken.
    let retention: Duration
    /// How long a `pending` record holds its key: if the process that made it dies, or cannot
    /// free it, another request may take the key after this.
    let pendingLease: Duration

    /// What became of a claim on a key.
    enum Claim: Sendable {
        /// The key is now this request's: it runs, and its answer is kept. `epoch` is when
        /// the key was first used.
        case claimed(epoch: String)
        /// Another request with the key is running.
        case pending
        /// The key's first request has been answered.
        case answered(StoredResponse)
    }

    /// The record of `key` in `tenant`. The key is the caller's text, kept whole so that two
    /// keys never share a record.
    static func recordKey(tenant: String, key: String) -> String {
        "conveyor:idempotency:\(tenant):\(key)"
    }

    /// Takes the key for this request if no other request holds it; else says who has it.
    func claim(_ recordKey: String) async throws -> Claim {
        let reply = try await redis.run(
            Self.claimScript, keys: [recordKey],
            arguments: [.integer(Int(pendingLease.microseconds / 1000)), .integer(Int(retention.microseconds / 1000))]
        )
        let values = reply.array ?? []
        switch values.first?.string {
        case "claimed":
            return .claimed(epoch: values.count > 1 ? values[1].string ?? "" : "")
        case "pending":
            return .pending
        default:
            var fields: [String: [UInt8]] = [:]
            for index in stride(from: 1, to: values.count - 1, by: 2) {
                if let name = values[index].string { fields[name] = values[index + 1].bytes }
            }
            return StoredResponse(fields: fields).map(Claim.answered) ?? .pending
        }
    }

    /// Keeps the first request's answer for ``retention``. The `HSET` writes the whole answer
    /// at once, so a claim never sees half of it.
    func store(_ response: StoredResponse, at recordKey: String) async throws {
        _ = try await redis.pipeline([
            RedisCommand("HSET", [.string(recordKey)] + response.fields),
            RedisCommand("PEXPIRE", .string(recordKey), .integer(Int(retention.microseconds / 1000))),
        ])
    }

    /// Frees the key: the request with it failed, so it may be sent again. The record, and
    /// its epoch, stay.
    func release(_ recordKey: String) async throws {
        _ = try await redis.send(RedisCommand("HSET", .string(recordKey), "state", "free"))
    }

    /// KEYS: the record. ARGV: the pending lease and the retention, in milliseconds.
    /// Returns {'claimed', epoch} when the key was absent, free, or pending past its lease, and
    /// is now pending; {'pending'} while another request holds it; else {'done', fields…}.
    private static let claimScript = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local record = redis.call('HMGET', KEYS[1], 'state', 'pending_until', 'epoch')
        if record[1] == 'done' then
          local reply = redis.call('HGETALL', KEYS[1])
          table.insert(reply, 1, 'done')
          return reply
        end
        if record[1] == 'pending' and tonumber(record[2] or 0) > now then
          return {'pending'}
        end
        local epoch = record[3]
        if not epoch then
          epoch = tostring(now)
          redis.call('HSET', KEYS[1], 'epoch', epoch)
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        redis.call('HSET', KEYS[1], 'state', 'pending', 'pending_until', now + tonumber(ARGV[1]))
        return {'claimed', epoch}
        """
    )
}
