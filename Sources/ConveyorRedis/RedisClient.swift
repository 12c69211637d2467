public import Logging
import NIOConcurrencyHelpers
import NIOPosix

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
/// Call ``shutdown()`` when done: it closes the connections and stops the threads.
public final class RedisClient: Sendable {
    /// One `EVALSHA` call of ``runPipelined(_:)``.
    public typealias ScriptCall = (script: RedisScript, keys: [String], arguments: [RedisArgument])

    private struct State {
        var isShutDown = false
        var blockingConnections: [ObjectIdentifier: RedisBlockingConnection] = [:]
    }

    private let configuration: RedisConfiguration
    private let logger: Logger
    private let locator: RedisServerLocator
    private let watcher: RedisSentinelWatcher?
    private let pool: RedisConnectionPool
    /// One thread per pool slot, so a leased connection never waits for a thread.
    private let threadPool: NIOThreadPool
    private let state = NIOLockedValueBox(State())

    /// Creates a client and starts its threads; no connection opens until the first call.
    ///
    /// - Precondition: `configuration.poolSize` is at least 1.
    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let locator = RedisServerLocator(configuration: configuration)
        self.locator = locator
        self.watcher = configuration.sentinel.map { RedisSentinelWatcher(locator: locator, sentinel: $0, logger: logger) }
        self.pool = RedisConnectionPool(capacity: configuration.poolSize)
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threadPool.start()
    }

    /// Sends one command and returns its reply.
    ///
    /// - Throws: ``RedisError`` of kind `.server` for an error reply, or of the kind of the connection failure.
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await self.withConnection { connection throws(RedisError) in
            try connection.send(command)
        }.throwingServerError()
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
        return try await self.withConnection { connection throws(RedisError) in
            try connection.pipeline(commands)
        }
    }

    /// Runs a script with `EVALSHA`; if the server does not know it (`NOSCRIPT`), loads it and runs it again.
    ///
    /// - Throws: ``RedisError`` of kind `.server` for an error reply (a Lua error included).
    @discardableResult
    public func run(_ script: RedisScript, keys: [String], arguments: [RedisArgument]) async throws -> RESPValue {
        let command = RedisCommand(evaluating: script, keys: keys, arguments: arguments)
        return try await self.withConnection { connection throws(RedisError) in
            try connection.evaluate([script], [command])[0]
        }.throwingServerError()
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
        try await self.evaluate(calls, durability: self.configuration.durability)
    }

    /// The scripts of `calls` in one pipeline on one connection, then the `WAIT` that
    /// `durability` asks for, if any.
    private func evaluate(_ calls: [ScriptCall], durability: RedisDurability) async throws -> [RESPValue] {
        guard !calls.isEmpty else {
            return []
        }
        let scripts = calls.map(\.script)
        let commands = calls.map { RedisCommand(evaluating: $0.script, keys: $0.keys, arguments: $0.arguments) }
        let wait = durability.waitCommand
        let (replies, waited) = try await self.withConnection { connection throws(RedisError) in
            try connection.evaluate(scripts, commands, thenSending: wait)
        }
        if let waited {
            try durability.check(waited)
        }
        return replies
    }

    /// Makes a connection for blocking commands (`BLMOVE`, `BZPOPMIN`, …), outside the pool, with a thread
    /// of its own so that its long waits hold up nobody else.
    ///
    /// It connects on first use. Close it with ``RedisBlockingConnection/close()`` when done;
    /// ``shutdown()`` closes those still open.
    public func makeBlockingConnection() -> RedisBlockingConnection {
        self.state.withLockedValue { state in
            let connection = RedisBlockingConnection(
                locator: self.locator,
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
        let idle = self.pool.shutDown()
        try? await self.threadPool.runIfActive {
            for connection in idle {
                connection.close()
            }
        }
        try? await self.threadPool.shutdownGracefully()
    }

    /// Leases a connection (opening it if the slot is vacant), runs `body` with it on a thread of the client's,
    /// and gives it back, or closes it if `body` failed, since a failure can leave replies unread.
    ///
    /// `body` throws only for connection failures; error replies are values.
    private func withConnection<Value: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> Value
    ) async throws -> Value {
        let lease = try await self.pool.lease()
        let outcome: Result<Value, RedisError>
        do {
            outcome = try await self.threadPool.runIfActive { [pool, locator, logger] in
                let connection: RedisConnection
                if let leased = locator.reusable(lease.connection) {
                    connection = leased
                } else {
                    do throws(RedisError) {
                        connection = try locator.connect()
                    } catch {
                        _ = pool.release(nil)
                        return .failure(error)
                    }
                }
                do throws(RedisError) {
                    let value = try body(connection)
                    if locator.mayKeep(connection) {
                        pool.release(connection)?.close()
                    } else {
                        connection.close()
                        _ = pool.release(nil)
                    }
                    return .success(value)
                } catch {
                    logger.debug("closing a failed Redis connection", metadata: ["error": "\(error)"])
                    locator.noteFailure(error, generation: connection.generation)
                    connection.close()
                    _ = pool.release(nil)
                    return .failure(error)
                }
            }
        } catch {
            // The thread pool dropped the work unrun: the task was cancelled, or the client shut down and its
            // threads stopped, which leaves this thread to close an unused connection.
            self.pool.release(lease.connection)?.close()
            if self.state.withLockedValue({ $0.isShutDown }) {
                throw RedisError.clientShutDown
            }
            throw error
        }
        return try outcome.get()
    }
}
