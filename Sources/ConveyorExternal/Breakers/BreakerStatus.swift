public import ConveyorCore
public import ConveyorRedis

/// A breaker as it stands, read from Redis for `GET /v1/breakers` and `/metrics`.
public struct BreakerStatus: Sendable, Equatable {
    /// The host, or host and port, whose calls the breaker guards.
    public let dependency: String
    public let state: BreakerState
    /// Successful and failed calls in the rolling window, as of the latest call (the
    /// window is counted while the breaker is closed, and emptied when it opens).
    public let windowSuccesses: Int
    public let windowFailures: Int
    /// The failure rate that opened it last, while it is open or half-open.
    public let openingFailureRate: Double?
    public let changedAt: Timestamp?
    /// When it opened, while open or half-open.
    public let openedAt: Timestamp?
    /// When an open breaker lets its first probe through.
    public let probeAt: Timestamp?
    /// Probe calls under way, while half-open.
    public let probesInFlight: Int
    /// Transitions into each state since the breaker was first used.
    public let transitionCounts: [BreakerState: Int]
    /// The latest transitions, newest first.
    public let recentTransitions: [BreakerTransition]

    /// The failed share of the window's calls; nil when the window is empty.
    public var windowFailureRate: Double? {
        let calls = windowSuccesses + windowFailures
        return calls == 0 ? nil : Double(windowFailures) / Double(calls)
    }

    /// Every breaker that has been used, by dependency, read in one round trip per breaker.
    /// - Parameter transitionLimit: how many of each breaker's latest transitions to read (none for 0).
    public static func all(from redis: RedisClient, transitionLimit: Int = 20) async throws -> [BreakerStatus] {
        let members = try await redis.send(RedisCommand("ZRANGE", .string(BreakerKeys.known), 0, -1)).array ?? []
        var statuses: [BreakerStatus] = []
        for dependency in members.compactMap(\.string).sorted() {
            let keys = BreakerKeys(dependency)
            var commands = [
                RedisCommand("HGETALL", .string(keys.state)),
                RedisCommand("HGETALL", .string(keys.window)),
                RedisCommand("ZCARD", .string(keys.probes)),
            ]
            if transitionLimit > 0 { commands.append(RedisCommand("LRANGE", .string(keys.transitions), 0, .integer(transitionLimit - 1))) }
            statuses.append(BreakerStatus(dependency: dependency, replies: try await redis.pipeline(commands)))
        }
        return statuses
    }

    /// From the replies of HGETALL state, HGETALL window, ZCARD probes and, if read, LRANGE transitions.
    private init(dependency: String, replies: [RESPValue]) {
        let fields = Self.fields(replies[0])
        func time(_ name: String) -> Timestamp? { fields[name].flatMap(Int64.init).map(Timestamp.init(microseconds:)) }
        var successes = 0
        var failures = 0
        for (name, count) in Self.fields(replies[1]) {
            if name.hasSuffix(":failure") { failures += Int(count) ?? 0 } else { successes += Int(count) ?? 0 }
        }
        let state = fields["state"].flatMap(BreakerState.init(rawValue:)) ?? .closed
        self.dependency = dependency
        self.state = state
        self.windowSuccesses = successes
        self.windowFailures = failures
        self.openingFailureRate = state == .closed ? nil : fields["failure_rate"].flatMap(Double.init)
        self.changedAt = time("changed_at")
        self.openedAt = time("opened_at")
        self.probeAt = state == .open ? time("probe_at") : nil
        self.probesInFlight = replies[2].int ?? 0
        var counts: [BreakerState: Int] = [:]
        for target in BreakerState.allCases { counts[target] = fields["to_\(target.rawValue)"].flatMap(Int.init) ?? 0 }
        self.transitionCounts = counts
        self.recentTransitions = replies.count > 3 ? (replies[3].array ?? []).compactMap { $0.string.flatMap(BreakerTransition.init(entry:)) } : []
    }

    private static func fields(_ reply: RESPValue) -> [String: String] {
        let values = reply.array ?? []
        var fields: [String: String] = [:]
        var index = 0
        while index + 1 < values.count {
            if let name = values[index].string { fields[name] = values[index + 1].string ?? "" }
            index += 2
        }
        return fields
    }
}
