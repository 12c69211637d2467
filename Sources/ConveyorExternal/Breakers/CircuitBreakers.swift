import ConveyorCore
public import ConveyorRedis
import Synchronization

/// The circuit breakers of every dependency (a host, or host and port), one per
/// dependency, their state shared by all processes through Redis. Each decision and each
/// recorded outcome is one script call, so concurrent workers never see a breaker half
/// changed.
///
/// At most ``limit`` breakers are kept: past it, those of the dependencies called least
/// recently are deleted (a forgotten breaker starts again closed), so that jobs calling ever
/// new host names grow neither Redis nor the metrics without end.
public final class CircuitBreakers: Sendable {
    public let redis: RedisClient
    public let settings: BreakerSettings
    /// The most breakers kept.
    public let limit: Int
    /// How long a probe holds its slot when its result never comes: a little longer than
    /// a call may take.
    private let probeLease: Duration
    /// When this process last told Redis of a call to each dependency, at most ``limit`` of them.
    private let touched = Mutex<[String: ContinuousClock.Instant]>([:])
    /// How stale the last call's time in Redis may get: the order in which breakers are
    /// forgotten needs no finer clock, and a busy dependency costs no write per call.
    private static let touchInterval: Duration = .seconds(60)

    public init(redis: RedisClient, settings: BreakerSettings, probeLease: Duration, limit: Int = 1000) {
        self.redis = redis
        self.settings = settings
        self.probeLease = probeLease
        self.limit = limit
    }

    /// How soon a call refused by a half-open breaker, whose probe slots are taken, may ask
    /// again: the probes' answers usually come long before their leases end.
    public static let halfOpenRecheck = Duration.seconds(1)

    /// Asks the breaker of `dependency` for a call.
    /// - Throws: ``BreakerRefusal`` when the breaker is open or its probe slots are taken;
    ///   a Redis error when the breaker cannot be asked.
    public func permit(_ dependency: String) async throws -> BreakerPermit {
        try await register(dependency)
        let token = String(UInt64.random(in: .min ... .max), radix: 36)
        let reply = try await redis.run(
            BreakerScripts.permit, keys: BreakerKeys(dependency).all,
            arguments: [
                .string(token), .integer(settings.probes), .integer(Int(probeLease.microseconds)),
                .integer(Int(Self.halfOpenRecheck.microseconds)),
            ]
        )
        guard let values = reply.array, values.count == 3, let allowed = values[0].int,
            let state = values[1].string.flatMap(BreakerState.init(rawValue:)), let retryAt = values[2].int
        else { throw BreakerReplyError(script: "permit", reply: "\(reply)") }
        guard allowed == 1 else {
            throw BreakerRefusal(dependency: dependency, state: state, retryAt: Timestamp(microseconds: Int64(retryAt)))
        }
        return BreakerPermit(dependency: dependency, state: state, token: token)
    }

    /// Records how a permitted call ended; returns the breaker's state after it.
    @discardableResult
    public func record(_ permit: BreakerPermit, _ outcome: BreakerCallOutcome) async throws -> BreakerState {
        let reply = try await redis.run(
            BreakerScripts.record, keys: BreakerKeys(permit.dependency).all,
            arguments: [
                .string(outcome.rawValue), .string(permit.token), .integer(Int(settings.window.microseconds)),
                .integer(BreakerSettings.buckets), .integer(settings.minimumCalls), .double(settings.failureRate),
                .integer(Int(settings.coolDown.microseconds)), .integer(settings.probes), .string(permit.state.rawValue),
            ]
        )
        guard let state = reply.string.flatMap(BreakerState.init(rawValue:)) else {
            throw BreakerReplyError(script: "record", reply: "\(reply)")
        }
        return state
    }

    /// Records a call to `dependency` among the known breakers (once a minute per process
    /// and dependency), and deletes the breakers called least recently past ``limit``.
    private func register(_ dependency: String) async throws {
        let now = ContinuousClock.now
        let isFresh = touched.withLock { touched in
            touched[dependency].map { $0.duration(to: now) < Self.touchInterval } ?? false
        }
        guard !isFresh else { return }
        let replies = try await redis.pipeline([
            RedisCommand("ZADD", .string(BreakerKeys.known), .integer(Int(Timestamp.localNow.microseconds / 1000)), .string(dependency)),
            RedisCommand("ZCARD", .string(BreakerKeys.known)),
        ])
        touched.withLock { touched in
            if touched.count >= limit { touched.removeAll(keepingCapacity: true) }
            touched[dependency] = now
        }
        let excess = (replies[1].int ?? 0) - limit
        guard excess > 0 else { return }
        let dropped = try await redis.send(RedisCommand("ZPOPMIN", .string(BreakerKeys.known), .integer(excess))).array ?? []
        // Members and scores alternate; each breaker's keys share a slot of their own.
        for dependency in stride(from: 0, to: dropped.count, by: 2).compactMap({ dropped[$0].string }) {
            try await redis.send(RedisCommand("DEL", BreakerKeys(dependency).all.map { .string($0) }))
        }
    }
}

/// A breaker script answered something it never answers: a bug, or another program's key.
struct BreakerReplyError: Error, CustomStringConvertible {
    let script: String
    let reply: String
    var description: String { "unexpected reply from the breaker script \(script): \(reply)" }
}
