import CHiredis
import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection to Redis over TLS: a blocking socket whose reads and writes time out as
/// hiredis's do, OpenSSL on it, and hiredis's reader parsing what arrives. hiredis formats the
/// commands (``RedisCommand/encoded``) and parses the replies; only the bytes in between go
/// through OpenSSL, as hiredis 0.14 has no TLS of its own.
///
/// Like ``RedisConnection``, which owns it, it blocks its thread and is used by one thread at a time.
final class RedisTLSStream {
    /// How much one read takes from the TLS connection at most: a TLS record's worth.
    private static let readSize = 16 * 1024

    private let descriptor: Int32
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let reader: UnsafeMutablePointer<redisReader>
    private let endpoint: String
    private var buffer = [UInt8](repeating: 0, count: RedisTLSStream.readSize)
    private var isClosed = false

    /// Connects within `configuration.connectTimeout` and completes the TLS handshake,
    /// verifying the server's certificate.
    init(configuration: RedisConfiguration, tls: RedisTLSSettings) throws(RedisError) {
        self.endpoint = configuration.endpoint
        self.descriptor = try Self.connectSocket(configuration)
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            Glibc.close(self.descriptor)
            throw Self.failure(connecting: configuration.endpoint, "OpenSSL could not make a TLS context: \(Self.openSSLErrors())")
        }
        // What the context holds when SSL_new runs is what the connection takes: trust,
        // verification and the client's certificate go in first.
        do {
            try Self.configure(context, tls, endpoint: configuration.endpoint)
        } catch {
            SSL_CTX_free(context)
            Glibc.close(self.descriptor)
            throw error
        }
        self.context = context
        guard let ssl = SSL_new(context), let reader = redisReaderCreate() else {
            SSL_CTX_free(context)
            Glibc.close(self.descriptor)
            throw Self.failure(connecting: configuration.endpoint, "out of memory")
        }
        self.ssl = ssl
        self.reader = reader
        do {
            try self.expect(tls.serverName ?? configuration.host)
            try self.setTimeout(configuration.connectTimeout)
            try self.handshake()
        } catch {
            self.close()
            throw error
        }
    }

    deinit {
        self.close()
    }

    /// The socket, for interrupting a blocked call from another thread with `shutdown(2)`.
    var socket: Int32 { descriptor }

    /// Sets how long a read or write may block; `.zero` means for ever.
    func setTimeout(_ timeout: Duration) throws(RedisError) {
        var value = timeval(timeout)
        let size = socklen_t(MemoryLayout<timeval>.size)
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, size) == 0,
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, size) == 0
        else {
            throw RedisError(kind: .connectionLost, message: "cannot set the timeout of the TLS connection to Redis at \(endpoint): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `bytes` whole.
    func write(_ bytes: [UInt8], timeout: Duration) throws(RedisError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32(clamping: $0.count - offset)) }
            guard written > 0 else { throw self.failure(of: written, timeout: timeout) }
            offset += Int(written)
        }
    }

    /// Reads until hiredis's reader has a whole reply, and answers it; an error reply comes back as `.error`.
    func readReply(timeout: Duration) throws(RedisError) -> RESPValue {
        while true {
            var reply: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &reply) == REDIS_OK else {
                let reason = withUnsafeBytes(of: reader.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                throw RedisError(kind: .protocol, message: "Redis at \(endpoint) sent an invalid reply: \(reason)")
            }
            if let reply {
                defer { freeReplyObject(reply) }
                return try RESPValue(reply.assumingMemoryBound(to: redisReply.self))
            }
            let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { throw self.failure(of: count, timeout: timeout) }
            let fed = buffer.withUnsafeBytes { redisReaderFeed(reader, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int(count)) }
            guard fed == REDIS_OK else {
                throw RedisError(kind: .protocol, message: "Redis at \(endpoint) sent more than the reader can hold")
            }
        }
    }

    /// Frees the connection without a TLS close_notify, which could block on a dead peer.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        SSL_free(ssl)
        SSL_CTX_free(context)
        redisReaderFree(reader)
        Glibc.close(descriptor)
    }

    /// Trust in `tls.caFile` (else the system's roots), verification of the server, and the
    /// client's certificate when given.
    private static func configure(_ context: OpaquePointer, _ tls: RedisTLSSettings, endpoint: String) throws(RedisError) {
        let trusted = tls.caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)
        guard trusted == 1 else {
            throw failure(connecting: endpoint, "the CA file \(tls.caFile ?? "of the system") holds no certificate OpenSSL can read: \(openSSLErrors())")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let certificate = tls.certificateFile, let key = tls.keyFile {
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1,
                SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_check_private_key(context) == 1
            else {
                throw failure(connecting: endpoint, "the client certificate \(certificate) or its key \(key) cannot be used: \(openSSLErrors())")
            }
        }
    }

    /// Gives the connection its socket and the name (or address) the server's certificate must
    /// carry, which it also sends as the server name (SNI) when it is not an address.
    private func expect(_ name: String) throws(RedisError) {
        guard SSL_set_fd(ssl, descriptor) == 1 else {
            throw Self.failure(connecting: endpoint, "OpenSSL could not take the socket: \(Self.openSSLErrors())")
        }
        var address = in6_addr()
        let isAddress = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
        let checked = isAddress
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
            : SSL_set1_host(ssl, name) & conveyor_ssl_set_server_name(ssl, name)
        guard checked == 1 else {
            throw Self.failure(connecting: endpoint, "OpenSSL could not take '\(name)' as the name to verify: \(Self.openSSLErrors())")
        }
    }

    private func handshake() throws(RedisError) {
        let status = SSL_connect(ssl)
        guard status != 1 else { return }
        let verification = SSL_get_verify_result(ssl)
        if verification != X509_V_OK {
            throw Self.failure(
                connecting: endpoint, "the server's certificate does not verify: \(String(cString: X509_verify_cert_error_string(verification)))"
            )
        }
        let code = errno
        let detail = Self.openSSLErrors()
        throw Self.failure(connecting: endpoint, "the TLS handshake failed: \(detail.isEmpty ? String(cString: strerror(code)) : detail)")
    }

    /// The error of a read or write that returned `status`, with a timeout told apart.
    private func failure(of status: Int32, timeout: Duration) -> RedisError {
        let code = errno
        let kind = SSL_get_error(ssl, status)
        if kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE || (kind == SSL_ERROR_SYSCALL && (code == EAGAIN || code == EWOULDBLOCK)) {
            return RedisError(kind: .timeout, message: "Redis at \(endpoint) did not answer within \(timeout)")
        }
        let reason = kind == SSL_ERROR_ZERO_RETURN || (kind == SSL_ERROR_SYSCALL && code == 0)
            ? "the server closed the connection"
            : Self.openSSLErrors().isEmpty ? String(cString: strerror(code)) : Self.openSSLErrors()
        return RedisError(kind: .connectionLost, message: "lost the TLS connection to Redis at \(endpoint): \(reason)")
    }

    /// A TCP connection to the server, made within the connect timeout, blocking again once made.
    private static func connectSocket(_ configuration: RedisConfiguration) throws(RedisError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(configuration.host, String(configuration.port), &hints, &found)
        guard status == 0, let first = found else {
            throw failure(connecting: configuration.endpoint, String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var reason = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next {
            next = address.pointee.ai_next
            let descriptor = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
            guard descriptor >= 0 else {
                reason = String(cString: strerror(errno))
                continue
            }
            if let failure = connect(descriptor, to: address.pointee, within: configuration.connectTimeout) {
                reason = failure
                Glibc.close(descriptor)
                continue
            }
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            return descriptor
        }
        throw failure(connecting: configuration.endpoint, reason)
    }

    /// Connects `descriptor` without blocking past `timeout`; answers why it could not, or nil.
    private static func connect(_ descriptor: Int32, to address: addrinfo, within timeout: Duration) -> String? {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&waiting, 1, milliseconds) == 1 else { return "no answer within \(timeout)" }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
            guard error == 0 else { return String(cString: strerror(error)) }
        }
        _ = fcntl(descriptor, F_SETFL, flags)
        return nil
    }

    /// OpenSSL's queued errors, oldest first, which it empties.
    private static func openSSLErrors() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.joined(separator: "; ")
    }

    private static func failure(connecting endpoint: String, _ reason: String) -> RedisError {
        RedisError(
            kind: .connectionFailed,
            message: "cannot connect to Redis at \(endpoint) over TLS: \(reason); check the server and the rediss:// URL in CONVEYOR_REDIS_URL"
        )
    }
}
