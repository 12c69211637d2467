import ConveyorQueue
import ConveyorRedis

/// Counts requests per key in Redis, so that every API process in front of the same Redis
/// enforces one shared limit. A fixed window per key: the first request starts it, each
/// request adds one, and the counter expires when the window ends.
struct RateLimiter: Sendable {
    let redis: RedisClient
    /// The limit of each role; a role without one is not limited.
    let limits: [APIRole: RateLimit]

    /// The count of a key within its window.
    struct Decision: Sendable {
        let limit: RateLimit
        /// Requests in this window, this one included.
        let count: Int
        /// Time until the window ends.
        let reset: Duration

        var isAllowed: Bool { count <= limit.requests }
        var remaining: Int { max(0, limit.requests - count) }
        /// Whole seconds until the window ends, rounded up, as the headers give it.
        var resetSeconds: Int { Int((reset.microseconds + 999_999) / 1_000_000) }
    }

    /// Adds this request to `key`'s count; nil when its role is not limited.
    func count(_ key: APIKey) async throws -> Decision? {
        guard let limit = limits[key.role] else { return nil }
        let reply = try await redis.run(
            Self.script, keys: ["conveyor:ratelimit:" + key.name],
            arguments: [.integer(Int(limit.window.microseconds / 1000))]
        )
        guard let values = reply.array, values.count == 2, let count = values[0].int, let milliseconds = values[1].int else {
            throw QueueError.unexpectedReply(script: "rate_limit", reply: "\(reply)")
        }
        return Decision(limit: limit, count: count, reset: .milliseconds(milliseconds))
    }

    /// KEYS: the key's counter. ARGV: the window in milliseconds.
    /// Returns {requests in this window, milliseconds until it ends}.
    private static let script = RedisScript(
        """
        local count = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          ttl = tonumber(ARGV[1])
          redis.call('PEXPIRE', KEYS[1], ttl)
        end
        return {count, ttl}
        """
    )
}
