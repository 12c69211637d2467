public import Logging
import Metrics
import NIOPosix

/// A bounded pool of PostgreSQL connections, opened on demand and leased to one task at a time.
///
/// The pool owns a `NIOThreadPool` with a thread per connection (plus one for closing
/// connections), on which all libpq calls of its connections run. Connections are opened lazily,
/// up to ``PostgresConfiguration/poolSize``; waiting callers are served first come, first served.
/// A connection that broke, stopped answering (see ``PostgresConfiguration/replyTimeout``), was left
/// inside a transaction or COPY, or outlived ``PostgresConfiguration/maxConnectionLifetime`` is closed
/// on release, and its slot reopened on demand.
/// Call ``shutdown()`` before dropping the pool.
public final class PostgresPool: Sendable {
    /// A connection for the caller's exclusive use until it is given back with ``PostgresPool/release(_:)``.
    public struct Lease: Sendable {
        /// The connection, for this lease only.
        public let connection: PostgresConnection
        /// How long `acquire()` took, waiting for a free connection or opening one.
        public let waited: Duration
    }

    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private typealias State = PostgresPoolState<
        PostgresConnection, CheckedContinuation<PostgresPoolGrant<PostgresConnection>, any Error>, CheckedContinuation<Void, Never>
    >

    private let state: LockedValue<State>

    /// Creates a pool; no connection is opened until the first `acquire()`.
    ///
    /// - Precondition: `configuration.poolSize` is at least 1.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        precondition(configuration.poolSize >= 1, "PostgresConfiguration.poolSize must be at least 1")
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "db"] = "\(configuration)"
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize + 1)
        self.threadPool.start()
        self.state = LockedValue(
            State(
                maximumConnections: configuration.poolSize,
                maximumLifetime: configuration.maxConnectionLifetime
            )
        )
    }

    /// How the pool's connections are used now.
    public var usage: PostgresPoolUsage {
        state.withLock { $0.usage }
    }

    /// Records ``usage`` in the `conveyor_db_pool_*` gauges, as a scrape of the process's metrics
    /// is about to read them: sampled then rather than kept up to date on every lease.
    public func recordUsage() {
        let usage = self.usage
        Gauge(label: "conveyor_db_pool_connections", dimensions: [("state", "in_use")]).record(usage.inUse)
        Gauge(label: "conveyor_db_pool_connections", dimensions: [("state", "idle")]).record(usage.idle)
        Gauge(label: "conveyor_db_pool_connections", dimensions: [("state", "size")]).record(usage.size)
        Gauge(label: "conveyor_db_pool_waiting").record(usage.waiting)
    }

    /// A connection for the caller's exclusive use: an idle one, a newly opened one, or, when
    /// `poolSize` are in use, the next one released, waiting up to `acquireTimeout`.
    ///
    /// - Throws: ``PostgresError`` of kind `poolTimeout` after waiting too long, `connectionFailed`
    ///   when a new connection cannot be opened, or `shutdown`; `CancellationError` if the task is cancelled.
    public func acquire() async throws -> Lease {
        let start = ContinuousClock.now
        let id = self.state.withLock { $0.makeWaiterID() }
        let grant = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let waiter = State.Waiter(id: id, waiting: continuation)
                let isCancelled = Task.isCancelled
                self.perform(self.state.withLock { $0.acquire(waiter, isCancelled: isCancelled, now: .now) })
            }
        } onCancel: {
            self.perform(self.state.withLock { $0.removeWaiter(id: id, failingWith: CancellationError()) })
        }
        let connection: PostgresConnection
        switch grant {
        case .connection(let idle) where idle.wasClosedWhileIdle:
            // A server restart ends idle connections: this one goes, and its slot opens a new one.
            self.logger.debug("closing a PostgreSQL connection the server closed while it was idle", metadata: ["pid": "\(idle.backendPID)"])
            self.perform(self.state.withLock { $0.release(idle, reusable: false, now: .now) })
            let lease = try await self.acquire()
            return Lease(connection: lease.connection, waited: start.duration(to: .now))
        case .connection(let idle):
            connection = idle
        case .slot:
            connection = try await self.openConnection()
        }
        return Lease(connection: connection, waited: start.duration(to: .now))
    }

    /// Gives a leased connection back. A connection that is broken, still inside a transaction or
    /// COPY, or too old, is closed instead of reused. Releasing a lease twice does nothing.
    public func release(_ lease: Lease) {
        let connection = lease.connection
        let reusable = connection.isReusable
        if !reusable {
            self.logger.debug(
                "closing a PostgreSQL connection that is broken or inside a transaction",
                metadata: ["pid": "\(connection.backendPID)"]
            )
        }
        self.perform(self.state.withLock { $0.release(connection, reusable: reusable, now: .now) })
    }

    /// Runs `body` with a leased connection, releasing it afterwards whether `body` returns or throws.
    @discardableResult
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let lease = try await self.acquire()
        do {
            let value = try await body(lease.connection)
            self.release(lease)
            return value
        } catch {
            self.release(lease)
            throw error
        }
    }

    /// Fails waiting and future `acquire` calls, closes idle connections, waits until every lease
    /// is released (closing those connections too), then stops the pool's threads.
    public func shutdown() async {
        self.perform(self.state.withLock { $0.shutdown() })
        await withCheckedContinuation { continuation in
            self.perform(self.state.withLock { $0.awaitAllClosed(continuation) })
        }
        // A second shutdown finds the threads stopped already, which is fine.
        try? await self.threadPool.shutdownGracefully()
    }

    private func openConnection() async throws -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: self.configuration,
                threadPool: self.threadPool,
                logger: self.logger
            )
        } catch {
            self.perform(self.state.withLock { $0.openFailed() })
            throw error
        }
        let (accepted, actions) = self.state.withLock { $0.opened(connection) }
        self.perform(actions)
        guard accepted else { throw PostgresError.shutdown() }
        self.logger.debug("opened a PostgreSQL connection", metadata: ["pid": "\(connection.backendPID)"])
        return connection
    }

    /// Carries out what the state decided, outside its lock.
    private func perform(_ actions: State.Actions) {
        for connection in actions.close {
            self.threadPool.submit { _ in connection.closeOnPoolThread() }
        }
        for (waiter, result) in actions.resume {
            waiter.timer?.cancel()
            waiter.waiting.resume(with: result)
        }
        if let id = actions.startTimer {
            self.startAcquireTimer(forWaiter: id)
        }
        for continuation in actions.finishShutdown {
            continuation.resume()
        }
    }

    private func startAcquireTimer(forWaiter id: Int) {
        let timeout = self.configuration.acquireTimeout
        let error = PostgresError(
            kind: .poolTimeout,
            message: "no PostgreSQL connection became free within \(timeout): all \(self.configuration.poolSize) "
                + "connections (poolSize) are in use; raise poolSize or hold connections for less time"
        )
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.perform(self.state.withLock { $0.removeWaiter(id: id, failingWith: error) })
        }
        if !self.state.withLock({ $0.attach(timer: timer, toWaiter: id) }) {
            timer.cancel()
        }
    }

    deinit {
        // Only reached when the owner never called shutdown(); the threads must not outlive the pool.
        self.threadPool.shutdownGracefully { _ in }
    }
}
