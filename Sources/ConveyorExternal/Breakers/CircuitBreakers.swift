import ConveyorQueue
import ConveyorRedis
import Synchronization

/// The circuit breakers of every dependency (a host, or host and port), one per
/// dependency, their state shared by all processes through Redis. Each decision and each
/// recorded outcome is one script call, so concurrent workers never see a breaker half
/// changed.
public final class CircuitBreakers: Sendable {
    public let redis: RedisClient
    public let settings: BreakerSettings
    /// How long a probe holds its slot when its result never comes: a little longer than
    /// a call may take.
    private let probeLease: Duration
    /// Dependencies this process has added to the set of known breakers.
    private let registered = Mutex<Set<String>>([])

    public init(redis: RedisClient, settings: BreakerSettings, probeLease: Duration) {
        self.redis = redis
        self.settings = settings
        self.probeLease = probeLease
    }

    /// Asks the breaker of `dependency` for a call.
    /// - Throws: ``BreakerRefusal`` when the breaker is open or its probe slots are taken;
    ///   a Redis error when the breaker cannot be asked.
    public func permit(_ dependency: String) async throws -> BreakerPermit {
        try await register(dependency)
        let token = String(UInt64.random(in: .min ... .max), radix: 36)
        let reply = try await redis.run(
            BreakerScripts.permit, keys: BreakerKeys(dependency).all,
            arguments: [.string(token), .integer(settings.probes), .integer(Int(probeLease.microseconds))]
        )
        guard let values = reply.array, values.count == 3, let allowed = values[0].int,
            let state = values[1].string.flatMap(BreakerState.init(rawValue:)), let retryAt = values[2].int
        else { throw BreakerReplyError(script: "permit", reply: "\(reply)") }
        guard allowed == 1 else {
            throw BreakerRefusal(dependency: dependency, state: state, retryAt: RedisTime(microseconds: Int64(retryAt)))
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

    /// Adds `dependency` to the set of known breakers, once per process.
    private func register(_ dependency: String) async throws {
        guard !registered.withLock({ $0.contains(dependency) }) else { return }
        try await redis.send(RedisCommand("SADD", .string(BreakerKeys.known), .string(dependency)))
        registered.withLock { _ = $0.insert(dependency) }
    }
}

/// A breaker script answered something it never answers: a bug, or another program's key.
struct BreakerReplyError: Error, CustomStringConvertible {
    let script: String
    let reply: String
    var description: String { "unexpected reply from the breaker script \(script): \(reply)" }
}
