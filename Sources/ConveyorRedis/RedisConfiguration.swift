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
    /// Where to ask for the master, for a `redis+sentinel://` URL; then `host` and `port` are unused.
    public var sentinel: RedisSentinelSettings?
    /// The nodes of a Redis Cluster, for a `redis+cluster://` URL; then `host` and `port` are unused,
    /// and every key is served by the master of its slot.
    public var cluster: RedisClusterSettings?
    /// Whether a state change waits for a replica's copy before it is answered (see ``RedisClient/runDurably(_:keys:arguments:)``).
    public var durability: RedisDurability

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
        tls: RedisTLSSettings? = nil,
        sentinel: RedisSentinelSettings? = nil,
        cluster: RedisClusterSettings? = nil,
        durability: RedisDurability = .local
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
        self.sentinel = sentinel
        self.cluster = cluster
        self.durability = durability
    }

    /// Reads a URL of the form `redis://[[username]:password@]host[:port][/db]`, such as
    /// `redis://127.0.0.1:6379/0` or `redis://:secret@cache.internal/2`; the other settings keep their defaults.
    /// `rediss://` is the same over TLS, with options `?ca=FILE&cert=FILE&key=FILE&servername=NAME`
    /// (see ``RedisTLSSettings``). `redis+sentinel://[[username]:password@]host1[:port],host2[:port]/master[/db]`
    /// finds the master that the sentinels at those addresses (port 26379 unless given) name `master`, with
    /// options `?sentinel_username=NAME&sentinel_password=SECRET` for sentinels that require `AUTH` (see
    /// ``RedisSentinelSettings``); the credentials before `@` are the master's.
    /// `redis+cluster://[[username]:password@]host1[:port],host2[:port]` reaches the Redis Cluster those
    /// nodes (port 6379 unless given) belong to; a cluster has database 0 only.
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
        guard ["redis", "rediss", "redis+sentinel", "redis+cluster"].contains(scheme) else {
            throw fail("scheme '\(scheme)' is none of redis, rediss, redis+sentinel and redis+cluster")
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

        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = rest[slash...].dropFirst()

        switch scheme {
        case "redis+sentinel":
            var sentinels: [RedisServerAddress] = []
            for entry in authority.split(separator: ",", omittingEmptySubsequences: false) {
                sentinels.append(try Self.address(entry, defaultPort: 26379).get(or: fail))
            }
            let masterName = path.prefix { $0 != "/" }
            guard !masterName.isEmpty, let decodedName = Self.percentDecoded(masterName) else {
                throw fail("the master's name is missing: write redis+sentinel://host:26379/mymaster")
            }
            path = path.dropFirst(masterName.count + 1)
            switch RedisSentinelSettings.parse(query: query ?? "") {
            case .success(let options):
                self.sentinel = RedisSentinelSettings(
                    sentinels: sentinels, masterName: decodedName, username: options.username, password: options.password)
            case .failure(let error):
                throw fail(error.reason)
            }
        case "redis+cluster":
            if let query {
                throw fail("options '?\(query)' have no meaning for redis+cluster://")
            }
            var seeds: [RedisServerAddress] = []
            for entry in authority.split(separator: ",", omittingEmptySubsequences: false) {
                seeds.append(try Self.address(entry, defaultPort: 6379).get(or: fail))
            }
            guard path.isEmpty || path == "0" else {
                throw fail("a Redis Cluster has database 0 only, not '\(path)': leave the path out")
            }
            self.cluster = RedisClusterSettings(seeds: seeds)
        case "rediss":
            switch RedisTLSSettings.parse(query: query ?? "") {
            case .success(let settings): self.tls = settings
            case .failure(let error): throw fail(error.reason)
            }
            fallthrough
        default:
            if scheme == "redis", let query {
                throw fail("options '?\(query)' are only for TLS (rediss://) and Sentinel (redis+sentinel://)")
            }
            let address = try Self.address(authority, defaultPort: self.port).get(or: fail)
            self.host = address.host
            self.port = address.port
        }

        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else {
                throw fail("database '\(path)' is not a number from 0 up")
            }
            self.database = database
        }
    }

    /// Parses `host[:port]`, with an IPv6 host in brackets.
    static func address(_ authority: Substring, defaultPort: Int) -> Result<RedisServerAddress, URLPartError> {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let closing = authority.firstIndex(of: "]") else {
                return .failure(URLPartError("IPv6 host '\(authority)' lacks its closing ']'"))
            }
            host = authority[authority.index(after: authority.startIndex)..<closing]
            let afterHost = authority[authority.index(after: closing)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else {
                    return .failure(URLPartError("'\(afterHost)' after the IPv6 host is not ':port'"))
                }
                portText = afterHost.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else {
            return .failure(URLPartError("the host is missing"))
        }
        guard let portText else {
            return .success(RedisServerAddress(host: String(host), port: defaultPort))
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return .failure(URLPartError("port '\(portText)' is not a number from 1 to 65535"))
        }
        return .success(RedisServerAddress(host: String(host), port: port))
    }

    /// Reads a URL's options, `name=value&…` with percent-encoded values, into `settings`, at the
    /// key path `names` gives each name; `example(name)` is a value, shown when one is missing.
    ///
    /// - Returns: what is wrong with the first option that is, or nil.
    static func readOptions<Settings>(
        _ query: Substring, into settings: inout Settings, names: [String: WritableKeyPath<Settings, String?>],
        example: (Substring) -> String
    ) -> URLPartError? {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let name = pair.prefix { $0 != "=" }
            guard let keyPath = names[String(name)] else {
                return URLPartError("option '\(name)' is unknown: use \(names.keys.sorted().joined(separator: ", "))")
            }
            guard pair.contains("="), let value = Self.percentDecoded(pair.dropFirst(name.count + 1)), !value.isEmpty else {
                return URLPartError("option '\(name)' needs a value, e.g. \(name)=\(example(name))")
            }
            settings[keyPath: keyPath] = value
        }
        return nil
    }

    /// Why one part of a URL is wrong.
    struct URLPartError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// What the client reaches, for messages: `host:port`, or the master's name and its sentinels.
    public var serverDescription: String {
        if let cluster {
            return "the Redis Cluster of \(cluster.seeds.map(\.description).joined(separator: ", "))"
        }
        guard let sentinel else {
            return self.endpoint
        }
        return "the master '\(sentinel.masterName)' of the sentinels \(sentinel.sentinels.map(\.description).joined(separator: ", "))"
    }

    /// These settings for the server at `address`: a master Sentinel names, or a cluster's node.
    func reaching(_ address: RedisServerAddress) -> RedisConfiguration {
        var configuration = self
        configuration.host = address.host
        configuration.port = address.port
        return configuration
    }

    /// `host:port`, with brackets around an IPv6 address, for messages.
    var endpoint: String {
        RedisServerAddress(host: self.host, port: self.port).description
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

extension Result where Failure == RedisConfiguration.URLPartError {
    /// The parsed value, or the URL's error built by `fail` from the part's reason.
    fileprivate func get(or fail: (String) -> RedisConfigurationError) throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): throw fail(error.reason)
        }
    }
}
