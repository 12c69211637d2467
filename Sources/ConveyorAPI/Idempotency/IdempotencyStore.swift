import ConveyorRedis

/// The idempotency records in Redis, one hash per tenant and key: first `pending` while the
/// first request with the key runs, then its answer (``StoredResponse``) until the record
/// expires.
struct IdempotencyStore: Sendable {
    let redis: RedisClient
    /// How long an answer is kept, and so how long a key stays taken.
    let retention: Duration
    /// How long a `pending` record holds its key: if the process that made it dies, another
    /// request may take the key after this.
    let pendingLease: Duration

    /// What became of a claim on a key.
    enum Claim: Sendable {
        /// The key was free and is now this request's: it runs, and its answer is kept.
        case claimed
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

    /// Takes the key for this request if it is free; else says who has it.
    func claim(_ recordKey: String) async throws -> Claim {
        let reply = try await redis.run(Self.claimScript, keys: [recordKey], arguments: [.integer(Int(pendingLease.microseconds / 1000))])
        let values = reply.array ?? []
        guard !values.isEmpty else { return .claimed }
        var fields: [String: [UInt8]] = [:]
        for index in stride(from: 0, to: values.count - 1, by: 2) {
            if let name = values[index].string { fields[name] = values[index + 1].bytes }
        }
        return StoredResponse(fields: fields).map(Claim.answered) ?? .pending
    }

    /// Keeps the first request's answer for ``retention``. The `HSET` writes the whole answer
    /// at once (the pending record has no other fields), so a claim never sees half of it.
    func store(_ response: StoredResponse, at recordKey: String) async throws {
        _ = try await redis.pipeline([
            RedisCommand("HSET", [.string(recordKey)] + response.fields),
            RedisCommand("PEXPIRE", .string(recordKey), .integer(Int(retention.microseconds / 1000))),
        ])
    }

    /// Frees the key: the request with it failed, so it may be sent again.
    func release(_ recordKey: String) async throws {
        _ = try await redis.send(RedisCommand("DEL", .string(recordKey)))
    }

    /// KEYS: the record. ARGV: the pending lease in milliseconds.
    /// Returns an empty array when the key was free and is now pending, else the record's fields.
    private static let claimScript = RedisScript(
        """
        if redis.call('HSETNX', KEYS[1], 'state', 'pending') == 1 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          return {}
        end
        return redis.call('HGETALL', KEYS[1])
        """
    )
}
