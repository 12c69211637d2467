import ConveyorCore
import ConveyorRedis
import Synchronization

/// Counts requests per key in Redis, so that every API process in front of the same Redis
/// enforces one shared limit: a fixed window per key, which the key's first request starts
/// and whose counter expires when it ends.
///
/// To spare a round trip per request, a process takes its counts from Redis in batches of
/// up to 1 % of the limit (at most 100): it adds the batch to the key's counter at once and
/// spends it locally. So a process holds back at most that many requests from the others,
/// and under a limit of 200 every request is counted in Redis one by one. A key past its
/// limit is refused locally until its window ends, without asking Redis again.
final class RateLimiter: Sendable {
    private let redis: RedisClient
    /// The limit of each role; a role without one is not limited.
    private let limits: [APIRole: RateLimit]
    /// Each key's batch: the counts this process may still spend in the current window.
    private let batches = Mutex<[String: Batch]>([:])

    init(redis: RedisClient, limits: [APIRole: RateLimit]) {
        self.redis = redis
        self.limits = limits
    }

    /// Counts of one key taken from Redis: requests numbered `next`… up to `last` of the
    /// window, which ends at `windowEnd`.
    private struct Batch {
        var next: Int
        var last: Int
        var windowEnd: ContinuousClock.Instant
    }

    /// Where a key stands after this request.
    struct Decision: Sendable {
        let limit: RateLimit
        /// This request's number in the window, as far as this process knows.
        let count: Int
        /// Time until the window ends.
        let reset: Duration

        var isAllowed: Bool { count <= limit.requests }
        var remaining: Int { max(0, limit.requests - count) }
        /// Whole seconds until the window ends, rounded up, as the headers give it.
        var resetSeconds: Int { Int((reset.microseconds + 999_999) / 1_000_000) }
    }

    /// The counts taken from Redis at once for `limit`.
    static func batchSize(for limit: RateLimit) -> Int {
        max(1, min(100, limit.requests / 100))
    }

    /// Counts this request against `key`'s limit; nil when its role is not limited.
    func count(_ key: APIKey) async throws -> Decision? {
        guard let limit = limits[key.role] else { return nil }
        let now = ContinuousClock.now
        if let local = batches.withLock({ Self.spend(&$0[key.name], at: now, limit: limit) }) { return local }

        let size = Self.batchSize(for: limit)
        let reply = try await redis.run(
            Self.script, keys: ["conveyor:ratelimit:" + key.name],
            arguments: [.integer(Int(limit.window.microseconds / 1000)), .integer(size)]
        )
        guard let values = reply.array, values.count == 2, let total = values[0].int, let milliseconds = values[1].int else {
            throw UnexpectedReply(reply: "\(reply)")
        }
        // This batch holds the requests numbered total - size + 1 through total; those past the limit are not granted.
        let first = total - size + 1
        let windowEnd = now + .milliseconds(milliseconds)
        batches.withLock { $0[key.name] = Batch(next: first + 1, last: min(total, limit.requests), windowEnd: windowEnd) }
        return Decision(limit: limit, count: first, reset: .milliseconds(milliseconds))
    }

    /// The next count of the key's batch, if it has one left in a window that has not
    /// ended; a refusal, without Redis, when the key is past its limit for this window.
    private static func spend(_ batch: inout Batch?, at now: ContinuousClock.Instant, limit: RateLimit) -> Decision? {
        guard let current = batch, current.windowEnd > now else {
            batch = nil
            return nil
        }
        let reset = now.duration(to: current.windowEnd)
        if current.next > limit.requests { return Decision(limit: limit, count: current.next, reset: reset) }
        guard current.next <= current.last else { return nil }
        batch!.next += 1
        return Decision(limit: limit, count: current.next, reset: reset)
    }

    /// KEYS: the key's counter. ARGV: the window in milliseconds, the batch size.
    /// Returns {requests counted in this window, milliseconds until it ends}.
    private static let script = RedisScript(
        """
        local count = redis.call('INCRBY', KEYS[1], ARGV[2])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          ttl = tonumber(ARGV[1])
          redis.call('PEXPIRE', KEYS[1], ttl)
        end
        return {count, ttl}
        """
    )

    /// A reply of the script that is not the pair it returns.
    struct UnexpectedReply: Error, CustomStringConvertible {
        let reply: String

        var description: String { "the rate limit script answered \(reply) where {count, milliseconds} was expected" }
    }
}
