import Logging
import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection of its own, driven by a thread of its own, for commands that block on the server
/// (`BLMOVE`, `BZPOPMIN`, …) and would otherwise hold a pooled connection and its thread for their whole wait.
///
/// Made by ``RedisClient/makeBlockingConnection()``. It connects on first use, and again on the call after a
/// failure. Calls are served one at a time, in order. Cancelling the task of a call in progress, or closing the
/// connection, interrupts the call at once by shutting the socket down.
public final class RedisBlockingConnection: Sendable {
    private struct State {
        var isOpen: Bool
        /// The connection between calls; `nil` before the first call and after a failure.
        var idle: RedisConnection?
        /// The call in progress on the thread and its socket, which an interruption shuts down.
        var running: (callID: UInt64, socket: Int32)?
        /// Calls cancelled before the thread reached them.
        var cancelledCallIDs: Set<UInt64> = []
        var nextCallID: UInt64 = 0
    }

    private let locator: RedisServerLocator
    private let logger: Logger
    /// The single thread on which every hiredis call of this connection runs.
    private let thread: NIOThreadPool
    private let state: NIOLockedValueBox<State>
    private let onClose: @Sendable (RedisBlockingConnection) -> Void

    init(
        locator: RedisServerLocator,
        logger: Logger,
        isOpen: Bool,
        onClose: @escaping @Sendable (RedisBlockingConnection) -> Void
    ) {
        self.locator = locator
        self.logger = logger
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.state = NIOLockedValueBox(State(isOpen: isOpen))
        self.onClose = onClose
        if isOpen {
            self.thread.start()
        }
    }

    /// Sends a blocking command whose own server-side timeout is `blockingFor`, and returns its reply.
    ///
    /// The socket waits `blockingFor` plus the configuration's `commandTimeout` for the reply, so a long wait
    /// on the server is not mistaken for a dead server; when either is `.zero` (for ever), the socket waits for ever.
    ///
    /// - Throws: ``RedisError`` of kind `.server` for an error reply, or of the kind of the connection failure;
    ///   `CancellationError` when the task is cancelled.
    public func send(_ command: RedisCommand, blockingFor: Duration) async throws -> RESPValue {
        try await self.call(blockingFor: blockingFor) { connection throws(RedisError) in
            try connection.send(command)
        }.throwingServerError()
    }

    /// Sends commands, of which one may block, and, in the same pipeline, a script (with `EVALSHA`, loaded if
    /// the server does not know it), and returns all the replies. The server runs the script as soon as the
    /// commands return, with no round trip between what a wait found and what the script does with it.
    /// With `durably`, the script's writes then wait for the replicas as ``RedisClient/runDurably(_:keys:arguments:)``'s do.
    ///
    /// - Throws: as ``send(_:blockingFor:)``, for an error reply to any; ``RedisError/Kind/notReplicated`` as
    ///   ``RedisClient/runDurably(_:keys:arguments:)`` does.
    public func send(
        _ commands: [RedisCommand], blockingFor: Duration, thenRun script: RedisScript, keys: [String], arguments: [RedisArgument],
        durably: Bool = false
    ) async throws -> (commands: [RESPValue], script: RESPValue) {
        let all = commands + [RedisCommand(evaluating: script, keys: keys, arguments: arguments)]
        let scripts = Array(repeating: RedisScript?.none, count: commands.count) + [script]
        let durability = self.locator.configuration.durability
        let wait = durably ? durability.waitCommand : nil
        let (replies, waited) = try await self.call(blockingFor: blockingFor) { connection throws(RedisError) in
            try connection.evaluate(scripts, all, thenSending: wait)
        }
        if let waited {
            try durability.check(waited)
        }
        let checked = try replies.map { try $0.throwingServerError() }
        return (Array(checked.dropLast()), checked[checked.count - 1])
    }

    /// Runs `body` on the connection's thread with the socket's timeout set for a wait of `blockingFor`.
    private func call<Value: Sendable>(
        blockingFor: Duration, _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> Value
    ) async throws -> Value {
        let commandTimeout = self.locator.configuration.commandTimeout
        let socketTimeout = blockingFor == .zero || commandTimeout == .zero ? .zero : blockingFor + commandTimeout
        let callID = self.state.withLockedValue { state in
            defer { state.nextCallID += 1 }
            return state.nextCallID
        }
        defer { self.state.withLockedValue { _ = $0.cancelledCallIDs.remove(callID) } }

        let outcome: Result<Value, RedisError>
        do {
            outcome = try await withTaskCancellationHandler {
                try await self.thread.runIfActive {
                    self.perform(callID: callID, socketTimeout: socketTimeout, body)
                }
            } onCancel: {
                self.interrupt(callID: callID)
            }
        } catch {
            // The thread dropped the call unrun: the task was cancelled, or the connection closed.
            throw self.state.withLockedValue { $0.isOpen } ? error : RedisError.connectionClosed
        }
        switch outcome {
        case .success(let value):
            return value
        case .failure(let error):
            // An interruption shows up as a lost connection; report what caused it instead.
            if Task.isCancelled {
                throw CancellationError()
            }
            throw self.state.withLockedValue { $0.isOpen } ? error : RedisError.connectionClosed
        }
    }

    /// Closes the connection, interrupting a call in progress, and stops its thread; later calls throw
    /// ``RedisError`` of kind `.shutdown`.
    public func close() async {
        let wasOpen = self.state.withLockedValue { state in
            defer { state.isOpen = false }
            Self.shutDownSocket(of: state.running)
            return state.isOpen
        }
        guard wasOpen else {
            return
        }
        self.onClose(self)
        // Queued behind any call in progress, which the interruption above ends promptly.
        try? await self.thread.runIfActive {
            self.state.withLockedValue { $0.idle.take() }?.close()
        }
        try? await self.thread.shutdownGracefully()
    }

    /// Runs on the connection's thread.
    private func perform<Value>(
        callID: UInt64, socketTimeout: Duration, _ body: (RedisConnection) throws(RedisError) -> Value
    ) -> Result<Value, RedisError> {
        let connection: RedisConnection
        if let idle = self.locator.reusable(self.state.withLockedValue({ $0.idle.take() })) {
            connection = idle
        } else {
            do throws(RedisError) {
                connection = try self.locator.connect()
            } catch {
                return .failure(error)
            }
        }

        let mayStart = self.state.withLockedValue { state in
            guard state.isOpen, state.cancelledCallIDs.remove(callID) == nil else {
                return false
            }
            state.running = connection.socket.map { (callID, $0) }
            return true
        }
        let outcome: Result<Value, RedisError>
        let isSound: Bool
        if mayStart {
            outcome = Result { () throws(RedisError) in
                try connection.setTimeout(socketTimeout)
                return try body(connection)
            }
            isSound = self.locator.mayKeep(connection) && (try? outcome.get()) != nil
        } else {
            // Closed, or cancelled before it started (the caller tells which); the connection was not used.
            outcome = .failure(RedisError.connectionClosed)
            isSound = true
        }

        let isKept = self.state.withLockedValue { state in
            state.running = nil
            guard state.isOpen, isSound else {
                return false
            }
            state.idle = connection
            return true
        }
        if !isSound, case .failure(let error) = outcome {
            self.logger.debug("closing a failed blocking Redis connection", metadata: ["error": "\(error)"])
            self.locator.noteFailure(error, generation: connection.generation)
        }
        if !isKept {
            connection.close()
        }
        return outcome
    }

    private func interrupt(callID: UInt64) {
        self.state.withLockedValue { state in
            if let running = state.running, running.callID == callID {
                Self.shutDownSocket(of: running)
            } else {
                state.cancelledCallIDs.insert(callID)
            }
        }
    }

    /// Makes a read blocked on the socket return at once, with end of stream. Called under the state lock,
    /// which keeps the thread from closing the socket, and the descriptor from being reused, meanwhile.
    private static func shutDownSocket(of running: (callID: UInt64, socket: Int32)?) {
        if let running {
            _ = shutdown(running.socket, Int32(SHUT_RDWR))
        }
    }
}
