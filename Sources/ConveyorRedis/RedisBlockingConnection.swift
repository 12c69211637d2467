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
/// failure; with a Redis Cluster, to the master of the call's first key, and again when a call's key is
/// served by another master. Calls are served one at a time, in order. Cancelling the task of a call in progress, or closing the
/// connection, interrupts the call at once by shutting the socket down.
public final class RedisBlockingConnection: Sendable {
    private struct State {
        var isOpen: Bool
        /// The connection between calls, and the locator of its server; `nil` before the first call and
        /// after a failure.
        var idle: (connection: RedisConnection, locator: RedisServerLocator)?
        /// The call in progress on the thread and its socket, which an interruption shuts down.
        var running: (callID: UInt64, socket: Int32)?
        /// Calls cancelled before the thread reached them.
        var cancelledCallIDs: Set<UInt64> = []
        var nextCallID: UInt64 = 0
    }

    private let servers: any RedisServers
    private let logger: Logger
    /// The single thread on which every hiredis call of this connection runs.
    private let thread: NIOThreadPool
    private let state: NIOLockedValueBox<State>
    private let onClose: @Sendable (RedisBlockingConnection) -> Void

    init(
        servers: any RedisServers,
        logger: Logger,
        isOpen: Bool,
        onClose: @escaping @Sendable (RedisBlockingConnection) -> Void
    ) {
        self.servers = servers
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
        try await self.call(blockingFor: blockingFor, key: command.routingKey, redirections: { [$0] }) { connection throws(RedisError) in
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
        let durability = self.servers.configuration.durability
        let wait = durably ? durability.waitCommand : nil
        let key = commands.lazy.compactMap(\.routingKey).first ?? keys.first
        let (replies, waited) = try await self.call(blockingFor: blockingFor, key: key, redirections: { $0.replies }) { connection throws(RedisError) in
            try connection.evaluate(scripts, all, thenSending: wait)
        }
        if let waited {
            try durability.check(waited)
        }
        let checked = try replies.map { try $0.throwingServerError() }
        return (Array(checked.dropLast()), checked[checked.count - 1])
    }

    /// Runs `body` on the connection's thread, connected to the server of `key`, with the socket's timeout
    /// set for a wait of `blockingFor`. When a reply of those `redirections` picks out says the key's slot
    /// moved to another master of a cluster, `body` runs again there, up to ``RedisCluster/redirectLimit`` times.
    private func call<Value: Sendable>(
        blockingFor: Duration, key: String?, redirections: (Value) -> [RESPValue],
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> Value
    ) async throws -> Value {
        var redirects = 0
        while true {
            let (value, server) = try await self.call(blockingFor: blockingFor, key: key, body)
            let moved = redirections(value).lazy.compactMap { RedisRedirection($0, answeredBy: server) }.first {
                if case .moved = $0 { return true }
                return false
            }
            guard let moved, redirects < RedisCluster.redirectLimit else {
                return value
            }
            self.servers.follow(moved)
            redirects += 1
        }
    }

    /// Runs `body` once, as ``call(blockingFor:key:redirections:_:)`` does, and returns its value and the
    /// address of the server it ran on.
    private func call<Value: Sendable>(
        blockingFor: Duration, key: String?, _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> Value
    ) async throws -> (Value, RedisServerAddress) {
        let commandTimeout = self.servers.configuration.commandTimeout
        let socketTimeout = blockingFor == .zero || commandTimeout == .zero ? .zero : blockingFor + commandTimeout
        let callID = self.state.withLockedValue { state in
            defer { state.nextCallID += 1 }
            return state.nextCallID
        }
        defer { self.state.withLockedValue { _ = $0.cancelledCallIDs.remove(callID) } }

        let outcome: Result<(Value, RedisServerAddress), RedisError>
        do {
            outcome = try await withTaskCancellationHandler {
                try await self.thread.runIfActive {
                    self.perform(callID: callID, key: key, socketTimeout: socketTimeout, body)
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
            self.state.withLockedValue { $0.idle.take() }?.connection.close()
        }
        try? await self.thread.shutdownGracefully()
    }

    /// Runs on the connection's thread.
    private func perform<Value>(
        callID: UInt64, key: String?, socketTimeout: Duration, _ body: (RedisConnection) throws(RedisError) -> Value
    ) -> Result<(Value, RedisServerAddress), RedisError> {
        let idle = self.state.withLockedValue { $0.idle.take() }
        let locator: RedisServerLocator
        do throws(RedisError) {
            locator = try self.servers.locator(forKey: key)
        } catch {
            idle?.connection.close()
            return .failure(error)
        }
        var reusable: RedisConnection?
        if let idle {
            if idle.locator === locator {
                reusable = idle.connection
            } else {
                idle.connection.close()
            }
        }
        let connection: RedisConnection
        if let kept = locator.reusable(reusable) {
            connection = kept
        } else {
            do throws(RedisError) {
                connection = try locator.connect()
            } catch {
                self.servers.noteFailure(error)
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
        let outcome: Result<(Value, RedisServerAddress), RedisError>
        let isSound: Bool
        if mayStart {
            let server = RedisServerAddress(host: locator.configuration.host, port: locator.configuration.port)
            outcome = Result { () throws(RedisError) in
                try connection.setTimeout(socketTimeout)
                return (try body(connection), server)
            }
            isSound = locator.mayKeep(connection) && (try? outcome.get()) != nil
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
            state.idle = (connection, locator)
            return true
        }
        if !isSound, case .failure(let error) = outcome {
            self.logger.debug("closing a failed blocking Redis connection", metadata: ["error": "\(error)"])
            locator.noteFailure(error, generation: connection.generation)
            self.servers.noteFailure(error)
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
