import ConveyorCore
public import ConveyorRedis

/// The shared state of the kinds' concurrency and rate limits, in Redis: each limit (a kind,
/// and the scope's key within it) is a sorted set under a hash tag of its own, changed by one
/// script (`limit_slot.lua`, `limit_rate.lua`), so that a limit of one kind never waits on
/// another's slot of Redis Cluster.
public struct KindLimiter: Sendable {
    private let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// Takes, or renews, a slot of `limit` for the attempt `lease` of a job of `kind` for
    /// `tenant` with `payload`, until `lease` from now.
    /// - Returns: false when every slot is held by other attempts.
    public func holdSlot(
        of limit: KindConcurrencyLimit, kind: String, tenant: String, payload: String, for attempt: JobLease, lease: Duration
    ) async throws -> Bool {
        let reply = try await redis.run(
            QueueScripts.limitSlot, keys: [Self.slotsKey(kind, limit.scope.key(tenant: tenant, payload: payload))],
            arguments: [.string(attempt.member), .integer(limit.limit), .integer(Int(lease.microseconds))]
        )
        guard let held = try reply.throwingServerError().int else { throw QueueError.unexpectedReply(script: "limit_slot", reply: "\(reply)") }
        return held == 1
    }

    /// Gives back the attempt's slot of `limit`.
    public func releaseSlot(of limit: KindConcurrencyLimit, kind: String, tenant: String, payload: String, for attempt: JobLease) async throws {
        let key = Self.slotsKey(kind, limit.scope.key(tenant: tenant, payload: payload))
        _ = try await redis.send(RedisCommand("ZREM", .string(key), .string(attempt.member))).throwingServerError()
    }

    /// Counts the attempt's start against `limit`.
    /// - Returns: nil when it may start, or how long until the window has room.
    public func countStart(of limit: KindRateLimit, kind: String, tenant: String, payload: String, for attempt: JobLease) async throws -> Duration? {
        let reply = try await redis.run(
            QueueScripts.limitRate, keys: ["conveyor:{rate:\(kind):\(limit.scope.key(tenant: tenant, payload: payload))}:starts"],
            arguments: [.string(attempt.member), .integer(limit.limit), .integer(Int(limit.window.microseconds))]
        )
        guard let wait = try reply.throwingServerError().int else { throw QueueError.unexpectedReply(script: "limit_rate", reply: "\(reply)") }
        return wait == 0 ? nil : .microseconds(wait)
    }

    /// How many attempts of `kind` hold slots of its limit of scope ``LimitScope/kind`` now,
    /// on the Redis clock: slots past their deadline, a dead worker's, are not counted.
    public func slotsHeld(kind: String) async throws -> Int {
        let time = try await redis.send(RedisCommand("TIME")).throwingServerError().array ?? []
        guard time.count == 2, let seconds = time[0].int, let microseconds = time[1].int else {
            throw QueueError.unexpectedReply(script: "TIME", reply: "\(time)")
        }
        let now = seconds * 1_000_000 + microseconds
        let reply = try await redis.send(RedisCommand("ZCOUNT", .string(Self.slotsKey(kind, LimitScope.kind.key(tenant: "", payload: ""))), .integer(now), "+inf"))
        return try reply.throwingServerError().int ?? 0
    }

    private static func slotsKey(_ kind: String, _ scope: String) -> String {
        "conveyor:{limit:\(kind):\(scope)}:slots"
    }
}
