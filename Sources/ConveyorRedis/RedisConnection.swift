import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection to Redis, logged in and with its database selected: a hiredis context in
/// blocking mode, or, for `rediss://`, a ``RedisTLSStream``, where hiredis formats and parses
/// and OpenSSL carries the bytes.
///
/// Every method blocks its thread, so only threads owned by the client call them, never Swift's
/// cooperative pool. A connection is not thread-safe: its owner (the pool's lease, or a blocking
/// connection) hands it to one thread at a time.
final class RedisConnection: @unchecked Sendable {
    /// `nil` once closed, and for TLS; closed connections are never handed out again.
    private var context: UnsafeMutablePointer<redisContext>?
    /// The TLS connection, for `rediss://`.
    private var tlsStream: RedisTLSStream?
    private let endpoint: String
    /// The socket read and write timeout now in force, for error messages.
    private var timeout: Duration
    /// The generation of the master it was opened to (see ``RedisServerLocator``).
    let generation: UInt64
    /// Whether the server answered as a replica does (`READONLY`, `UNBLOCKED`, `MASTERDOWN`): it is no
    /// longer the master, and the connection is not used again.
    private(set) var answeredAsReplica = false

    /// Connects to `configuration.host` and `port` within `configuration.connectTimeout`, then sends
    /// `AUTH` and `SELECT` as configured.
    init(configuration: RedisConfiguration, generation: UInt64) throws(RedisError) {
        self.endpoint = configuration.endpoint
        self.generation = generation
        // hiredis leaves the connect timeout in force on the socket.
        self.timeout = configuration.connectTimeout
        if let tls = configuration.tls {
            self.tlsStream = try RedisTLSStream(configuration: configuration, tls: tls)
            try self.setTimeout(configuration.commandTimeout)
            try self.logIn(configuration)
            return
        }
        let port = Int32(clamping: configuration.port)
        guard let context = redisConnectWithTimeout(configuration.host, port, timeval(configuration.connectTimeout)) else {
            throw Self.connectionFailed(to: self.endpoint, reason: "out of memory")
        }
        guard context.pointee.err == 0 else {
            let reason = Self.errorText(of: context)
            redisFree(context)
            throw Self.connectionFailed(to: self.endpoint, reason: reason)
        }
        self.context = context
        try self.setTimeout(configuration.commandTimeout)
        try self.logIn(configuration)
    }

    deinit {
        self.close()
    }

    /// The socket, for interrupting a blocked call from another thread with `shutdown(2)`.
    var socket: Int32? {
        self.tlsStream?.socket ?? self.context?.pointee.fd
    }

    /// Sets how long a read or write on the socket may block; `.zero` means for ever.
    func setTimeout(_ timeout: Duration) throws(RedisError) {
        guard timeout != self.timeout else {
            return
        }
        if let tlsStream {
            try tlsStream.setTimeout(timeout)
            self.timeout = timeout
            return
        }
        let context = self.openContext
        guard redisSetTimeout(context, timeval(timeout)) == REDIS_OK else {
            throw self.failure(of: context)
        }
        self.timeout = timeout
    }

    /// Sends one command and reads its reply; an error reply comes back as `.error`.
    func send(_ command: RedisCommand) throws(RedisError) -> RESPValue {
        if let tlsStream {
            try tlsStream.write(command.encoded, timeout: timeout)
            return self.noting(try tlsStream.readReply(timeout: timeout))
        }
        let context = self.openContext
        try self.append(command, to: context)
        return self.noting(try self.readReply(from: context))
    }

    /// Reads the next reply without sending anything, such as a message on a subscribed channel.
    func receive() throws(RedisError) -> RESPValue {
        if let tlsStream {
            return self.noting(try tlsStream.readReply(timeout: timeout))
        }
        return self.noting(try self.readReply(from: self.openContext))
    }

    /// Sends all commands in one write, then reads their replies in order; error replies come back as `.error`.
    func pipeline(_ commands: some Collection<RedisCommand>) throws(RedisError) -> [RESPValue] {
        if let tlsStream {
            try tlsStream.write(commands.flatMap(\.encoded), timeout: timeout)
            var replies: [RESPValue] = []
            replies.reserveCapacity(commands.count)
            for _ in 0..<commands.count {
                replies.append(self.noting(try tlsStream.readReply(timeout: timeout)))
            }
            return replies
        }
        let context = self.openContext
        for command in commands {
            try self.append(command, to: context)
        }
        var replies: [RESPValue] = []
        replies.reserveCapacity(commands.count)
        for _ in 0..<commands.count {
            replies.append(self.noting(try self.readReply(from: context)))
        }
        return replies
    }

    /// Closes the socket and frees the context; the connection must not be used afterwards.
    func close() {
        tlsStream?.close()
        tlsStream = nil
        if let context = self.context {
            redisFree(context)
            self.context = nil
        }
    }

    private func noting(_ reply: RESPValue) -> RESPValue {
        if case .error(let message) = reply, RedisError.isReplicaAnswer(message) {
            self.answeredAsReplica = true
        }
        return reply
    }

    private var openContext: UnsafeMutablePointer<redisContext> {
        guard let context = self.context else {
            preconditionFailure("a closed Redis connection was used")
        }
        return context
    }

    private func logIn(_ configuration: RedisConfiguration) throws(RedisError) {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append(RedisCommand("AUTH", .string(username), .string(password)))
            } else {
                commands.append(RedisCommand("AUTH", .string(password)))
            }
        }
        // A new connection starts in database 0, so selecting it would only cost a round trip.
        if configuration.database != 0 {
            commands.append(RedisCommand("SELECT", .integer(configuration.database)))
        }
        guard !commands.isEmpty else {
            return
        }
        for reply in try self.pipeline(commands) {
            if case .error(let message) = reply {
                throw RedisError(kind: .server, message: message)
            }
        }
    }

    private func append(_ command: RedisCommand, to context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        let status = command.encoded.withUnsafeBytes { bytes in
            redisAppendFormattedCommand(context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else {
            throw self.failure(of: context)
        }
    }

    private func readReply(from context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> RESPValue {
        var reply: UnsafeMutableRawPointer?
        guard redisGetReply(context, &reply) == REDIS_OK, let reply else {
            throw self.failure(of: context)
        }
        defer { freeReplyObject(reply) }
        return try RESPValue(reply.assumingMemoryBound(to: redisReply.self))
    }

    /// The error hiredis recorded in `context`; called right after the failing hiredis call, before anything
    /// else can change `errno`.
    private func failure(of context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let code = errno
        let reason = Self.errorText(of: context)
        switch context.pointee.err {
        case REDIS_ERR_IO where code == EAGAIN || code == EWOULDBLOCK:
            // hiredis reports the socket timeout (SO_RCVTIMEO / SO_SNDTIMEO) as an I/O error with EAGAIN.
            return RedisError(kind: .timeout, message: "Redis at \(self.endpoint) did not answer within \(self.timeout)")
        case REDIS_ERR_PROTOCOL:
            return RedisError(kind: .protocol, message: "Redis at \(self.endpoint) sent an invalid reply: \(reason)")
        default:
            return RedisError(kind: .connectionLost, message: "lost the connection to Redis at \(self.endpoint): \(reason)")
        }
    }

    private static func errorText(of context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func connectionFailed(to endpoint: String, reason: String) -> RedisError {
        RedisError(
            kind: .connectionFailed,
            message: "cannot connect to Redis at \(endpoint): \(reason); check that Redis is running there and that CONVEYOR_REDIS_URL names it"
        )
    }
}
