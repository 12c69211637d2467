import Logging
import NIOPosix

/// One libpq connection. Not shared between tasks at once: a lease from the pool owns it.
///
/// Each call runs libpq on a thread of the pool's `NIOThreadPool`, never on Swift's cooperative
/// threads, and suspends the calling task until it is done. Cancelling the task cancels the running
/// statement on the server.
public final class PostgresConnection: @unchecked Sendable {
    // @unchecked: `libpq` is touched only on the pool's threads and only by the leaseholder's one
    // call at a time, which `inUse` checks; everything else is immutable.

    /// How much `copyIn` gathers before a hop to the libpq thread: large enough that hops cost
    /// nothing next to the server's work, small enough to keep memory flat.
    static let copyInBatchSize = 256 * 1024
    /// The size of the pieces that `copyOut` hands to its consumer.
    static let copyOutChunkSize = 64 * 1024

    private let libpq: LibPQConnection
    private let threadPool: NIOThreadPool
    private let inUse = LockedValue(false)
    /// What `transaction` sends to begin: `BEGIN`, and the idle limit when one is configured.
    private let beginStatement: String
    /// When the connection was opened, for the pool's `maxConnectionLifetime`.
    let openedAt: ContinuousClock.Instant
    /// The server process serving this connection (`pg_backend_pid()`).
    public let backendPID: Int32

    private init(libpq: LibPQConnection, threadPool: NIOThreadPool, transactionIdleLimit: Duration?) {
        self.libpq = libpq
        self.threadPool = threadPool
        self.beginStatement = transactionIdleLimit.map { limit in
            "BEGIN; SET LOCAL idle_in_transaction_session_timeout = \(max(1, limit.milliseconds))"
        } ?? "BEGIN"
        self.openedAt = .now
        self.backendPID = libpq.backendPID
    }

    /// Opens a connection on a thread of `threadPool`; opens it again with startup `options`
    /// when the server's settings do not fit (see ``PostgresSessionSettings``).
    static func connect(
        configuration: PostgresConfiguration,
        threadPool: NIOThreadPool,
        logger: Logger
    ) async throws -> PostgresConnection {
        let libpq = try await Self.onThread(of: threadPool) {
            let connection = try Self.open(configuration, logger: logger)
            let settings = connection.sessionSettings
            guard !settings.isFit else { return UncheckedTransfer(connection) }
            connection.close()
            do {
                return UncheckedTransfer(try Self.open(configuration, serverOptions: settings.options, logger: logger))
            } catch var error as PostgresError {
                error.message += "; \(settings.advice)"
                throw error
            }
        }
        return PostgresConnection(libpq: libpq.value, threadPool: threadPool, transactionIdleLimit: configuration.transactionIdleLimit)
    }

    private static func open(_ configuration: PostgresConfiguration, serverOptions: String? = nil, logger: Logger) throws -> LibPQConnection {
        do {
            return try LibPQConnection.connect(
                parameters: configuration.libpqParameters(serverOptions: serverOptions),
                replyTimeout: configuration.replyTimeout,
                commitTimeout: configuration.commitTimeout,
                logger: logger
            )
        } catch var error as PostgresError {
            error.message =
                "could not connect to PostgreSQL at \(configuration.address) (\(error.message)); "
                + "check that PostgreSQL is running there and that \(PostgresConfiguration.settingName) is right"
            throw error
        }
    }

    // MARK: Statements

    /// Runs one statement, passing `parameters` as `$1`, `$2`… (never spliced into the SQL); nil is NULL.
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> PostgresQueryResult
    {
        let texts = parameters.map { $0?.postgresText }
        return try await self.run { libpq, cancellation in
            try libpq.execute(sql, parameters: texts, cancellation: cancellation)
        }
    }

    /// Runs one statement that returns no rows and answers how many rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> Int {
        try await self.query(sql, parameters).affectedRows
    }

    /// Runs several statements separated by semicolons, without parameters (`PQexec`'s simple
    /// protocol), as migrations need. Outside a transaction the server runs them as one.
    public func executeScript(_ sql: String) async throws {
        _ = try await self.run { libpq, cancellation in
            try libpq.executeScript(sql, cancellation: cancellation)
        }
    }

    /// Runs `body` between `BEGIN` and `COMMIT`. If `body` throws, rolls back and rethrows.
    /// COMMIT and ROLLBACK wait for the server through no longer a silence than
    /// ``PostgresConfiguration/commitTimeout``; the transaction's idle time between statements is
    /// bounded by ``PostgresConfiguration/transactionIdleLimit``, set in the same round trip as `BEGIN`.
    ///
    /// A statement that failed inside `body` aborts the transaction even if `body` caught its error;
    /// then the server turns `COMMIT` into a rollback, and this throws instead of returning.
    /// Transactions do not nest; use `SAVEPOINT` inside `body` for that.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await self.executeScript(self.beginStatement)
        let value: T
        do {
            value = try await body(self)
        } catch {
            // If even the rollback fails, the connection stays inside the transaction and the pool discards it.
            _ = try? await self.run(cancellable: false) { libpq, _ in try libpq.endTransaction("ROLLBACK") }
            throw error
        }
        // The outcome of a COMMIT is unknown once sent, so cancelling it would only hide it.
        let commit = try await self.run(cancellable: false) { libpq, _ in try libpq.endTransaction("COMMIT") }
        guard commit.commandTag == "COMMIT" else {
            throw PostgresError(
                kind: .server,
                message: "the transaction was rolled back because a statement in it failed",
                sqlState: "25P02"
            )
        }
        return value
    }

    // MARK: COPY

    /// Runs `COPY … FROM STDIN`, sending the bytes of `chunks` in PostgreSQL's COPY format as they
    /// come, and returns the number of rows copied.
    ///
    /// Small chunks are gathered into pieces of about 256 KiB before each hop to the libpq thread, so
    /// the sequence may yield rows one by one; no more than one piece is ever held. If the sequence
    /// throws, the COPY is aborted (nothing is inserted) and the error rethrown. A bad row makes the
    /// server's error, whose ``PostgresError/context`` names the line, surface when the data ends.
    public func copyIn<S: AsyncSequence>(_ sql: String, from chunks: S) async throws -> Int where S.Element == [UInt8] {
        try await self.run { libpq, cancellation in
            try libpq.startCopy(sql, direction: .fromClient, cancellation: cancellation)
        }
        do {
            var pending = [UInt8]()
            pending.reserveCapacity(Self.copyInBatchSize)
            for try await chunk in chunks {
                if pending.isEmpty && chunk.count >= Self.copyInBatchSize {
                    try await self.sendCopyData(chunk)
                    continue
                }
                pending.append(contentsOf: chunk)
                if pending.count >= Self.copyInBatchSize {
                    try await self.sendCopyData(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty {
                try await self.sendCopyData(pending)
            }
        } catch {
            _ = try? await self.run(cancellable: false) { libpq, _ in
                try libpq.endCopyIn(failure: "the client stopped the COPY: \(error)", cancellation: nil)
            }
            throw error
        }
        return try await self.run { libpq, cancellation in
            try libpq.endCopyIn(failure: nil, cancellation: cancellation)
        }
    }

    /// Runs `COPY … FROM STDIN` with `bytes`, a whole stream in the COPY's format (see
    /// ``PostgresBinaryCopy``), and returns the number of rows copied.
    public func copyIn(_ sql: String, bytes: [UInt8]) async throws -> Int {
        try await self.copyIn(sql, from: OnePiece(bytes: bytes))
    }

    private func sendCopyData(_ bytes: [UInt8]) async throws {
        try await self.run { libpq, cancellation in
            if cancellation.isCancelled { throw CancellationError() }
            try libpq.putCopyData(bytes)
        }
    }

    /// Runs `COPY … TO STDOUT` and hands its output to `consumer` in pieces of about 64 KiB, gathered
    /// on the libpq thread; returns the number of rows. Memory stays flat however large the output.
    ///
    /// COPY takes no parameters: put values into the statement only if they are constants of the
    /// code, never input. If `consumer` throws, the COPY is cancelled on the server and the error rethrown.
    public func copyOut(_ sql: String, consumer: ([UInt8]) async throws -> Void) async throws -> Int {
        try await self.run { libpq, cancellation in
            try libpq.startCopy(sql, direction: .toClient, cancellation: cancellation)
        }
        while true {
            let piece = try await self.run { libpq, cancellation in
                try libpq.readCopyOut(limit: Self.copyOutChunkSize, cancellation: cancellation)
            }
            do {
                if !piece.bytes.isEmpty { try await consumer(piece.bytes) }
            } catch {
                if piece.rows == nil {
                    _ = try? await self.run(cancellable: false) { libpq, _ in libpq.abandonCopyOut() }
                }
                throw error
            }
            if let rows = piece.rows { return rows }
        }
    }

    // MARK: Pool support

    /// Whether the pool may hand this connection to the next lease: see ``LibPQConnection/isReusable``.
    var isReusable: Bool {
        self.inUse.withLock { inUse in !inUse && self.libpq.isReusable }
    }

    /// Whether the server closed this idle connection: see ``LibPQConnection/wasClosedWhileIdle``.
    var wasClosedWhileIdle: Bool {
        self.inUse.withLock { inUse in !inUse && self.libpq.wasClosedWhileIdle }
    }

    /// Closes the connection. The pool calls it from a work item on one of its threads, once no
    /// lease holds the connection any more.
    func closeOnPoolThread() {
        self.libpq.close()
    }

    // MARK: Threads

    /// Runs `operation` on a thread of the pool. When `cancellable`, cancelling the calling task sets
    /// the flag that `operation` passes to libpq's waits.
    private func run<T: Sendable>(
        cancellable: Bool = true,
        _ operation: @escaping @Sendable (LibPQConnection, QueryCancellation) throws -> T
    ) async throws -> T {
        try self.inUse.withLock { inUse in
            guard !inUse else {
                throw PostgresError(kind: .invalidUsage, message: "a connection was used by two tasks at once")
            }
            inUse = true
        }
        defer { self.inUse.withLock { $0 = false } }
        let cancellation = QueryCancellation()
        let work = { @Sendable () async throws -> T in
            try await Self.onThread(of: self.threadPool) {
                // A task cancelled while the work was queued never sends its statement.
                if cancellation.isCancelled { throw CancellationError() }
                return try operation(self.libpq, cancellation)
            }
        }
        guard cancellable else { return try await work() }
        return try await withTaskCancellationHandler(operation: work, onCancel: cancellation.cancel)
    }

    /// Runs `body` on a thread of `threadPool` and resumes with its result. Unlike
    /// `NIOThreadPool.runIfActive`, it never drops queued work of a cancelled task, so that a
    /// rollback or close always runs.
    private static func onThread<T: Sendable>(
        of threadPool: NIOThreadPool,
        _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            threadPool.submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: PostgresError.shutdown())
                    return
                }
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}

/// An asynchronous sequence of one piece of bytes.
private struct OnePiece: AsyncSequence, AsyncIteratorProtocol {
    var bytes: [UInt8]?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func makeAsyncIterator() -> OnePiece { self }

    mutating func next() async -> [UInt8]? {
        defer { bytes = nil }
        return bytes
    }
}

/// Moves a non-`Sendable` value from the thread that made it to the task that keeps it, where
/// nothing else refers to it any more.
private struct UncheckedTransfer<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
