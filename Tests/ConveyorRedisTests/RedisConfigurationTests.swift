import ConveyorRedis
import Testing

@Suite struct RedisConfigurationTests {
    struct GoodURL: Sendable, CustomTestStringConvertible {
        var url: String
        var host: String
        var port = 6379
        var username: String?
        var password: String?
        var database = 0

        var testDescription: String { self.url }
    }

    @Test(arguments: [
        GoodURL(url: "redis://localhost", host: "localhost"),
        GoodURL(url: "redis://127.0.0.1:16379", host: "127.0.0.1", port: 16379),
        GoodURL(url: "redis://127.0.0.1:16379/0", host: "127.0.0.1", port: 16379),
        GoodURL(url: "redis://cache.internal/3", host: "cache.internal", database: 3),
        GoodURL(url: "redis://cache.internal/", host: "cache.internal"),
        GoodURL(url: "redis://:secret@cache:7000/2", host: "cache", port: 7000, password: "secret", database: 2),
        GoodURL(url: "redis://worker:secret@cache", host: "cache", username: "worker", password: "secret"),
        GoodURL(url: "redis://worker:p%40ss%3Aw%2Frd@cache", host: "cache", username: "worker", password: "p@ss:w/rd"),
        GoodURL(url: "redis://[::1]:6380/1", host: "::1", port: 6380, database: 1),
        GoodURL(url: "redis://[::1]", host: "::1"),
    ])
    func readsGoodURL(_ expected: GoodURL) throws {
        let configuration = try RedisConfiguration(url: expected.url)
        #expect(configuration.host == expected.host)
        #expect(configuration.port == expected.port)
        #expect(configuration.username == expected.username)
        #expect(configuration.password == expected.password)
        #expect(configuration.database == expected.database)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(5))
        #expect(configuration.poolSize == 8)
    }

    @Test(arguments: [
        ("http://x", "scheme 'http'"),
        ("127.0.0.1:6379", "no scheme"),
        ("rediss://cache?ca", "option 'ca' needs a value"),
        ("rediss://cache?verify=no", "option 'verify' is unknown: use ca, cert, key, servername"),
        ("rediss://cache?cert=/etc/passwd", "needs both cert= and key="),
        ("rediss://cache?ca=/nonexistent/ca.pem", "ca file '/nonexistent/ca.pem' cannot be read: No such file"),
        ("redis://cache?ca=/etc/passwd", "only for TLS"),
        ("redis://cache#x", "fragment"),
        ("redis://", "host is missing"),
        ("redis://:6379/0", "host is missing"),
        ("redis://cache:abc", "port 'abc'"),
        ("redis://cache:0", "port '0'"),
        ("redis://cache:70000", "port '70000'"),
        ("redis://cache/abc", "database 'abc'"),
        ("redis://cache/-1", "database '-1'"),
        ("redis://cache/0/extra", "database '0/extra'"),
        ("redis://cache?timeout=1", "options '?timeout=1'"),
        ("redis://secret@cache", "credentials"),
        ("redis://user:%zz@cache", "percent-encoded"),
        ("redis://[::1:6379", "closing ']'"),
        ("redis://[::1]6379", "'6379' after the IPv6 host"),
        ("redis+sentinel://s1:26379", "master's name is missing"),
        ("redis+sentinel://s1:26379/", "master's name is missing"),
        ("redis+sentinel://s1,,s2/mymaster", "host is missing"),
        ("redis+sentinel://s1:x/mymaster", "port 'x'"),
        ("redis+sentinel://s1/mymaster/abc", "database 'abc'"),
        ("redis+sentinel://s1/mymaster?ca=/etc/passwd", "option 'ca' is unknown: use sentinel_password, sentinel_username"),
        ("redis+sentinel://s1/mymaster?sentinel_password=", "option 'sentinel_password' needs a value"),
        ("redis+cluster://n1,,n2", "host is missing"),
        ("redis+cluster://n1:70000", "port '70000'"),
        ("redis+cluster://n1/2", "database 0 only, not '2'"),
        ("redis+cluster://n1?ca=/etc/passwd", "options '?ca=/etc/passwd' have no meaning for redis+cluster://"),
    ])
    func refusesBadURL(_ url: String, naming badPart: String) {
        #expect {
            try RedisConfiguration(url: url)
        } throws: { error in
            let description = String(describing: error)
            return error is RedisConfigurationError
                && description.contains(badPart)
                && description.contains("expected redis://[[user]:password@]host[:port][/db], or rediss://")
                && description.contains("or redis+sentinel://")
                && description.contains("or redis+cluster://")
        }
    }

    @Test func readsTLSOptions() throws {
        let configuration = try RedisConfiguration(
            url: "rediss://worker:secret@cache.internal:6380/2?ca=/etc/passwd&cert=/etc/passwd&key=/etc/passwd&servername=redis%2Einternal"
        )
        #expect(configuration.host == "cache.internal" && configuration.port == 6380 && configuration.database == 2)
        #expect(configuration.username == "worker" && configuration.password == "secret")
        #expect(configuration.tls == RedisTLSSettings(caFile: "/etc/passwd", certificateFile: "/etc/passwd", keyFile: "/etc/passwd", serverName: "redis.internal"))
        #expect(try RedisConfiguration(url: "rediss://cache").tls == RedisTLSSettings())
        #expect(try RedisConfiguration(url: "redis://cache").tls == nil)
    }

    @Test func readsSentinelURL() throws {
        let configuration = try RedisConfiguration(
            url: "redis+sentinel://worker:secret@10.0.0.1,10.0.0.2:26380,[::1]:26381/my%2Dmaster/3?sentinel_password=s%40fe&sentinel_username=watch"
        )
        let sentinel = try #require(configuration.sentinel)
        #expect(sentinel.sentinels == [
            RedisServerAddress(host: "10.0.0.1", port: 26379), RedisServerAddress(host: "10.0.0.2", port: 26380),
            RedisServerAddress(host: "::1", port: 26381),
        ])
        #expect(sentinel.masterName == "my-master")
        #expect(sentinel.username == "watch" && sentinel.password == "s@fe")
        #expect(configuration.username == "worker" && configuration.password == "secret" && configuration.database == 3)
        #expect(configuration.tls == nil)
        #expect(configuration.serverDescription == "the master 'my-master' of the sentinels 10.0.0.1:26379, 10.0.0.2:26380, [::1]:26381")
        #expect(try RedisConfiguration(url: "redis+sentinel://s1/m").sentinel == RedisSentinelSettings(sentinels: [.init(host: "s1", port: 26379)], masterName: "m"))
        #expect(try RedisConfiguration(url: "redis://cache").sentinel == nil)
    }

    @Test func readsClusterURL() throws {
        let configuration = try RedisConfiguration(url: "redis+cluster://worker:s%40fe@10.0.0.1:7000,10.0.0.2,[::1]:7002/0")
        #expect(configuration.cluster?.seeds == [
            RedisServerAddress(host: "10.0.0.1", port: 7000), RedisServerAddress(host: "10.0.0.2", port: 6379),
            RedisServerAddress(host: "::1", port: 7002),
        ])
        #expect(configuration.username == "worker" && configuration.password == "s@fe" && configuration.database == 0)
        #expect(configuration.sentinel == nil && configuration.tls == nil)
        #expect(configuration.serverDescription == "the Redis Cluster of 10.0.0.1:7000, 10.0.0.2:6379, [::1]:7002")
        #expect(try RedisConfiguration(url: "redis://cache").cluster == nil)
    }

    @Test func errorNamesURLWithoutItsPassword() {
        #expect {
            try RedisConfiguration(url: "redis://worker:hunter2@cache:port")
        } throws: { error in
            let description = String(describing: error)
            return description.hasPrefix("invalid Redis URL 'redis://worker:***@cache:port'") && !description.contains("hunter2")
        }
    }
}
