public import Logging
import NIOConcurrencyHelpers

/// A Redis client over hiredis: a bounded pool of connections, each driven by a thread of the client's own,
/// so that hiredis's blocking calls never hold up Swift's cooperative thread pool.
///
/// Connections open lazily, up to `configuration.poolSize`; callers beyond that wait their turn, first come,
/// first served. A connection that fails (I/O error, end of stream, timeout) is closed and replaced on a later
/// call; the failing call throws a retryable ``RedisError``.
///
/// With Sentinel (``RedisConfiguration/sentinel``), connections go to the master the sentinels name. When
/// they announce another, or the one in use fails or answers as a replica, every pooled and blocking
/// connection to the old one is closed at its next use and opened again to the new one.
///
/// With a Redis Cluster (``RedisConfiguration/cluster``), there is a pool per master, and each command,
/// script and blocking wait goes to the master of its first key's slot; a pipeline is split by master and
/// its replies put back in order. Every key of one script or multi-key command must share a slot (a hash tag).
///
/// Call ``shutdown()`` when done: it closes the connections and stops the threads.
public final class RedisClient: Sendable {
    /// One `EVALSHA` call of ``runPipelined(_:)``.
    public typealias ScriptCall = (script: RedisScript, keys: [String], arguments: [RedisArgument])

    private struct State {
        var isShutDown = false
        var blockingConnections: [ObjectIdentifier: RedisBlockingConnection] = [:]
    }

    private let logger: Logger
    private let servers: any RedisServers
    private let watcher: RedisSentinelWatcher?
    private let state = NIOLockedValueBox(State())

    /// Creates a client and starts its threads; no connection opens until the first call.
    ///
    /// - Precondition: `configuration.poolSize` is at least 1.
    public init(configuration: RedisConfiguration, logger: Logger) {
        self.logger = logger
        if let cluster = configuration.cluster {
            self.servers = RedisCluster(configuration: configuration, settings: cluster, logger: logger)
            self.watcher = nil
        } else {
            let locator = RedisServerLocator(configuration: configuration)
            self.servers = RedisNode(locator: locator, logger: logger)
            self.watcher = configuration.sentinel.map { RedisSentinelWatcher(locator: locator, sentinel: $0, logger: logger) }
        }
    }

    /// Sends one command and returns its reply.
    ///
    /// - Throws: ``RedisError`` of kind `.server` for an error reply, or of the kind of the connection failure.
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await self.pipeline([command])[0].throwingServerError()
    }

    /// Sends all commands in one write and reads all replies: one round trip.
    ///
    /// The commands are not a transaction: others' commands may run between them. Wrap them in
    /// `MULTI`/`EXEC`, or use a script, when they must be atomic.
    ///
    /// - Returns: the replies in the order of the commands, error replies included as `.error` values.
    /// - Throws: ``RedisError`` when the connection fails; then some of the commands may have run.
    @discardableResult
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        guard !commands.isEmpty else {
            return []
        }
        return try await self.servers.execute(Array(repeating: nil, count: commands.count), commands, durability: .local)
    }

    /// Runs a script with `EVALSHA`; if the server does not know it (`NOSCRIPT`), loads it and runs it again.
    ///
    /// - Throws: ``RedisError`` of kind `.server` for an error reply (a Lua error included).
    @discardableResult
    public func run(_ script: RedisScript, keys: [String], arguments: [RedisArgument]) async throws -> RESPValue {
        try await self.evaluate([(script, keys, arguments)], durability: .local)[0].throwingServerError()
    }

    /// Runs many scripts with `EVALSHA` in one round trip; those the server does not know are loaded and run
    /// again in a second one.
    ///
    /// - Returns: the replies in the order of the calls, error replies included as `.error` values.
    /// - Throws: ``RedisError`` when the connection fails; then some of the calls may have run.
    public func runPipelined(_ calls: [ScriptCall]) async throws -> [RESPValue] {
        try await self.evaluate(calls, durability: .local)
    }

    /// Runs a script that changes state which must survive a failover: as ``run(_:keys:arguments:)``, and
    /// then, with ``RedisDurability/replicated(replicas:timeout:)``, `WAIT`s on the same connection for
    /// the replicas' copies.
    ///
    /// - Throws: ``RedisError`` of kind `.notReplicated` when too few replicas confirmed in time; the
    ///   master did run the script.
    @discardableResult
    public func runDurably(_ script: RedisScript, keys: [String], arguments: [RedisArgument]) async throws -> RESPValue {
        try await self.runPipelinedDurably([(script, keys, arguments)])[0].throwingServerError()
    }

    /// Runs many scripts as ``runPipelined(_:)`` does, then waits for the replicas as
    /// ``runDurably(_:keys:arguments:)`` does.
    public func runPipelinedDurably(_ calls: [ScriptCall]) async throws -> [RESPValue] {
        try await self.evaluate(calls, durability: self.servers.configuration.durability)
    }

    /// The scripts of `calls` in one pipeline per server, then the `WAIT` that `durability` asks
    /// for, if any, on each connection used.
    private func evaluate(_ calls: [ScriptCall], durability: RedisDurability) async throws -> [RESPValue] {
        guard !calls.isEmpty else {
            return []
        }
        let commands = calls.map { RedisCommand(evaluating: $0.script, keys: $0.keys, arguments: $0.arguments) }
        return try await self.servers.execute(calls.map(\.script), commands, durability: durability)
    }

    /// Makes a connection for blocking commands (`BLMOVE`, `BZPOPMIN`, …), outside the pool, with a thread
    /// of its own so that its long waits hold up nobody else.
    ///
    /// It connects on first use. Close it with ``RedisBlockingConnection/close()`` when done;
    /// ``shutdown()`` closes those still open.
    public func makeBlockingConnection() -> RedisBlockingConnection {
        self.state.withLockedValue { state in
            let connection = RedisBlockingConnection(
                servers: self.servers,
                logger: self.logger,
                isOpen: !state.isShutDown
            ) { [state = self.state] closed in
                state.withLockedValue { _ = $0.blockingConnections.removeValue(forKey: ObjectIdentifier(closed)) }
            }
            if !state.isShutDown {
                state.blockingConnections[ObjectIdentifier(connection)] = connection
            }
            return connection
        }
    }

    /// Closes all connections, blocking ones included, and stops the threads, after the calls in progress
    /// finish; later calls throw ``RedisError`` of kind `.shutdown`.
    public func shutdown() async {
        let blockingConnections = self.state.withLockedValue { state in
            state.isShutDown = true
            return state.blockingConnections.values
        }
        for connection in blockingConnections {
            await connection.close()
        }
        await self.watcher?.stop()
        await self.servers.shutdown()
    }
}
