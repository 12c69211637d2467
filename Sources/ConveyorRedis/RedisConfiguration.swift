/// Where the Redis server is, how to log in, and how the client's connections behave.
public struct RedisConfiguration: Sendable {
    /// The server's host name or IP address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The ACL user for `AUTH`, or `nil` for the default user.
    public var username: String?
    /// The password for `AUTH`, or `nil` when the server requires none.
    public var password: String?
    /// The database number each connection selects.
    public var database: Int
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// How long a command may wait for its reply before it fails with `RedisError.Kind.timeout`;
    /// `.zero` waits for ever.
    public var commandTimeout: Duration
    /// The most connections the client's pool opens; each has a thread of its own.
    public var poolSize: Int
    /// TLS, for a `rediss://` URL; nil for plain TCP.
    public var tls: RedisTLSSettings?

    /// Creates a configuration; every parameter has the default of a local server.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5),
        poolSize: Int = 8,
        tls: RedisTLSSettings? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.poolSize = poolSize
        self.tls = tls
    }

    /// Reads a URL of the form `redis://[[username]:password@]host[:port][/db]`, such as
    /// `redis://127.0.0.1:6379/0` or `redis://:secret@cache.internal/2`; the other settings keep their defaults.
    /// `rediss://` is the same over TLS, with options `?ca=FILE&cert=FILE&key=FILE&servername=NAME`
    /// (see ``RedisTLSSettings``).
    ///
    /// User name and password may be percent-encoded; an IPv6 host is written in brackets (`redis://[::1]:6379`).
    ///
    /// - Throws: `RedisConfigurationError` naming the part that is wrong.
    public init(url: String) throws {
        self.init()
        let fail = { (reason: String) in RedisConfigurationError(url: Self.redacting(url), reason: reason) }

        guard let schemeEnd = url.firstRange(of: "://") else {
            throw fail("it has no scheme")
        }
        let scheme = url[..<schemeEnd.lowerBound]
        guard scheme == "redis" || scheme == "rediss" else {
            throw fail("scheme '\(scheme)' is neither redis nor rediss")
        }
        var rest = url[schemeEnd.upperBound...]
        if let fragment = rest.firstIndex(of: "#") {
            throw fail("a fragment '\(rest[fragment...])' has no meaning here")
        }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if scheme == "rediss" {
            switch RedisTLSSettings.parse(query: query ?? "", decode: Self.percentDecoded) {
            case .success(let settings): self.tls = settings
            case .failure(let error): throw fail(error.reason)
            }
        } else if let query {
            throw fail("options '?\(query)' are only for TLS (rediss://)")
        }

        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw fail("credentials must be written [user]:password")
            }
            guard let username = Self.percentDecoded(userInfo[..<colon]),
                let password = Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            else {
                throw fail("the credentials are badly percent-encoded")
            }
            self.username = username.isEmpty ? nil : username
            self.password = password.isEmpty ? nil : password
            rest = rest[rest.index(after: at)...]
        }

        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let database = Int(path), database >= 0 else {
                    throw fail("database '\(path)' is not a number from 0 up")
                }
                self.database = database
            }
        }

        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let closing = authority.firstIndex(of: "]") else {
                throw fail("IPv6 host '\(authority)' lacks its closing ']'")
            }
            self.host = String(authority[authority.index(after: authority.startIndex)..<closing])
            let afterHost = authority[authority.index(after: closing)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else {
                    throw fail("'\(afterHost)' after the IPv6 host is not ':port'")
                }
                portText = afterHost.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            self.host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            self.host = String(authority)
        }
        guard !self.host.isEmpty else {
            throw fail("the host is missing")
        }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw fail("port '\(portText)' is not a number from 1 to 65535")
            }
            self.port = port
        }
    }

    /// `host:port`, with brackets around an IPv6 address, for messages.
    var endpoint: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// The URL with the password, if any, replaced by `***`, so that errors quoting it are safe to log.
    private static func redacting(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@"),
            let colon = url[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else {
            return url
        }
        return url[...colon] + "***" + url[at...]
    }

    /// Decodes `%XX` escapes; `nil` when an escape is malformed or the result is not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        // Decoding replaces invalid sequences, so a round trip that changes the bytes means they were not UTF-8.
        return decoded.utf8.elementsEqual(bytes) ? decoded : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
