import ConveyorCore
public import ConveyorQueue
public import ConveyorRedis

/// The cached values in Redis, per tenant and name (``CacheKeys``), with the lock that
/// makes one refresh of a value run at a time across all workers, and the marker that
/// makes requests for a missing value share one refresh job. Every write is one script or
/// one command.
public struct CacheStore: Sendable {
    public let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// What ``request(tenant:name:candidate:pendingFor:refresh:)`` found.
    public enum Answer: Sendable {
        /// The value is there.
        case value(CachedEntry)
        /// The value must be computed by this refresh job: the pending one, or the candidate.
        case refresh(JobID)
    }

    /// The value of `name` for `tenant`, or, when it is missing or `refresh` is set, the
    /// refresh job that will compute it: one round trip either way.
    ///
    /// - Parameters:
    ///   - candidate: the id of the job to enqueue when no refresh is pending.
    ///   - pendingFor: how long the pending marker may outlive a job that never stores the
    ///     value (its API process died before enqueueing it, say); after that, a new job.
    public func request(tenant: String, name: String, candidate: JobID, pendingFor: Duration, refresh: Bool) async throws -> Answer {
        let keys = CacheKeys(tenant: tenant, name: name)
        let reply = try await redis.run(
            CacheScripts.request, keys: [keys.value, keys.pending],
            arguments: [.string(candidate.description), .integer(Int(pendingFor.microseconds / 1000)), .string(refresh ? "1" : "0")]
        )
        guard let values = reply.array, let found = values.first?.int else { throw CacheStoreError.unexpectedReply("\(reply)") }
        if found == 1, values.count == 6, let json = values[1].bytes, let computedAt = values[2].int, let ttl = values[3].int,
            let seconds = values[4].int, let microseconds = values[5].int
        {
            let entry = CachedEntry(
                json: json, computedAt: Timestamp(microseconds: Int64(computedAt)), ttl: .milliseconds(ttl),
                readAt: Timestamp(microseconds: Int64(seconds) * 1_000_000 + Int64(microseconds))
            )
            return .value(entry)
        }
        guard found == 0, values.count == 2, let text = values[1].string, let id = try? JobID(text) else {
            throw CacheStoreError.unexpectedReply("\(reply)")
        }
        return .refresh(id)
    }

    /// Takes the single-flight lock of a value for `lease` with `token`; false when another
    /// refresh holds it.
    func lock(tenant: String, name: String, token: String, for lease: Duration) async throws -> Bool {
        let reply = try await redis.send(
            RedisCommand("SET", .string(CacheKeys(tenant: tenant, name: name).lock), .string(token), "NX", "PX", .integer(Int(lease.microseconds / 1000)))
        )
        return !reply.isNull
    }

    /// Releases the lock if `token` still holds it.
    func unlock(tenant: String, name: String, token: String) async throws {
        try await redis.run(CacheScripts.compareAndDelete, keys: [CacheKeys(tenant: tenant, name: name).lock], arguments: [.string(token)])
    }

    /// Stores a computed value for its TTL, releases the lock and clears the pending
    /// marker, if `token` still holds the lock.
    ///
    /// - Returns: when it was stored, or nil when the lock was lost and nothing was written.
    func write(tenant: String, name: String, token: String, json: String, ttl: Duration) async throws -> Timestamp? {
        let keys = CacheKeys(tenant: tenant, name: name)
        let reply = try await redis.run(
            CacheScripts.write, keys: [keys.value, keys.lock, keys.pending],
            arguments: [.string(token), .string(json), .integer(Int(ttl.microseconds / 1000))]
        )
        guard let computedAt = reply.int else { throw CacheStoreError.unexpectedReply("\(reply)") }
        return computedAt == 0 ? nil : Timestamp(microseconds: Int64(computedAt))
    }

    /// Clears the pending marker if it names `job`: that job will not store the value, so
    /// the next request must enqueue another.
    func clearPending(tenant: String, name: String, job: JobID) async throws {
        try await redis.run(
            CacheScripts.compareAndDelete, keys: [CacheKeys(tenant: tenant, name: name).pending], arguments: [.string(job.description)]
        )
    }
}

/// A reply of Redis that the cache store's scripts never give.
public struct CacheStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String

    static func unexpectedReply(_ reply: String) -> CacheStoreError {
        CacheStoreError(description: "unexpected reply from a cache script: \(reply)")
    }
}
