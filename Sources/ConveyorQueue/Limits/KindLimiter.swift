import ConveyorCore
public import ConveyorRedis

/// The shared state of the kinds' concurrency and rate limits, in Redis: each limit (a kind,
/// and the scope's key within it) is a sorted set under a hash tag of its own, changed by one
/// script per change (`limit_slot.lua`, `limit_release.lua`, `limit_rate.lua`), so that a
/// limit of one kind never waits on another's slot of Redis Cluster. The calls of many
/// attempts go in one round trip (``run(_:)``).
public struct KindLimiter: Sendable {
    /// An attempt's slot of a concurrency limit: the limit's set, and the attempt in it.
    public struct Slot: Hashable, Sendable {
        let key: String
        let member: String
        let limit: Int

        /// The slot of `limit` for the attempt `attempt` of a job of `kind` for `tenant` with `payload`.
        public init(of limit: KindConcurrencyLimit, kind: String, tenant: String, payload: String, for attempt: JobLease) {
            key = KindLimiter.slotsKey(kind, limit.scope.key(tenant: tenant, payload: payload))
            member = attempt.member
            self.limit = limit.limit
        }
    }

    /// An attempt's start, as a rate limit counts it.
    public struct Start: Sendable {
        let key: String
        let member: String
        let limit: Int
        let window: Duration

        /// The start of the attempt `attempt` of a job of `kind` for `tenant` with `payload`, against `limit`.
        public init(against limit: KindRateLimit, kind: String, tenant: String, payload: String, for attempt: JobLease) {
            key = "conveyor:{rate:\(kind):\(limit.scope.key(tenant: tenant, payload: payload))}:starts"
            member = attempt.member
            self.limit = limit.limit
            window = limit.window
        }
    }

    /// One change to a limit.
    public enum Call: Sendable {
        /// Takes, or renews, the slot until `lease` from now.
        case hold(Slot, lease: Duration)
        /// Gives the slot back.
        case release(Slot)
        /// Counts the start against its rate limit.
        case count(Start)
    }

    /// What Redis answered to a ``Call``.
    public enum Answer: Sendable, Equatable {
        /// To ``Call/hold(_:lease:)``: whether the attempt holds the slot; false when every slot
        /// is held by other attempts.
        case held(Bool)
        /// To ``Call/release(_:)``.
        case released
        /// To ``Call/count(_:)``: nil when the attempt may start (its start is counted), or how
        /// long until the window has room.
        case counted(wait: Duration?)
    }

    private let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// Makes the changes `calls` in one round trip (one per server, in a cluster).
    /// - Returns: each call's answer, in order.
    public func run(_ calls: [Call]) async throws -> [Answer] {
        guard !calls.isEmpty else { return [] }
        let scripts: [RedisClient.ScriptCall] = calls.map { call in
            switch call {
            case .hold(let slot, let lease):
                (QueueScripts.limitSlot, [slot.key], [.string(slot.member), .integer(slot.limit), .integer(Int(lease.microseconds))])
            case .release(let slot):
                (QueueScripts.limitRelease, [slot.key], [.string(slot.member)])
            case .count(let start):
                (QueueScripts.limitRate, [start.key], [.string(start.member), .integer(start.limit), .integer(Int(start.window.microseconds))])
            }
        }
        let replies = try await redis.runPipelined(scripts)
        return try zip(calls, replies).map { call, reply in
            guard let number = try reply.throwingServerError().int else { throw QueueError.unexpectedReply(script: "\(call)", reply: "\(reply)") }
            switch call {
            case .hold: return .held(number == 1)
            case .release: return .released
            case .count: return .counted(wait: number == 0 ? nil : .microseconds(number))
            }
        }
    }

    /// How many attempts of `kind` hold slots of its limit of scope ``LimitScope/kind`` now,
    /// on the Redis clock: slots past their deadline, a dead worker's, are not counted.
    public func slotsHeld(kind: String) async throws -> Int {
        let time = try await redis.send(RedisCommand("TIME")).throwingServerError().array ?? []
        guard time.count == 2, let seconds = time[0].int, let microseconds = time[1].int else {
            throw QueueError.unexpectedReply(script: "TIME", reply: "\(time)")
        }
        let now = seconds * 1_000_000 + microseconds
        let key = Self.slotsKey(kind, LimitScope.kind.key(tenant: "", payload: ""))
        let reply = try await redis.send(RedisCommand("ZCOUNT", .string(key), .integer(now), "+inf"))
        return try reply.throwingServerError().int ?? 0
    }

    private static func slotsKey(_ kind: String, _ scope: String) -> String {
        "conveyor:{limit:\(kind):\(scope)}:slots"
    }
}
