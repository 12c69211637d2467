import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// A master, a replica and three sentinels of the test's own.
private struct SentinelGroup {
    let master: PrivateRedis
    let replica: PrivateRedis
    let sentinels: PrivateSentinels

    static func start() async throws -> SentinelGroup {
        let master = try await PrivateRedis()
        let replica = try await PrivateRedis(arguments: ["--replicaof", "127.0.0.1", "\(master.port)"])
        // Sentinels list the replicas the master names when they first ask it, then every 10 s.
        let client = RedisClient(configuration: try RedisConfiguration(url: master.url), logger: TestRedis.logger)
        // A master that is still coming up may drop the question: not online yet.
        let online = try await eventually(timeout: .seconds(10)) {
            ((try? await client.send(RedisCommand("INFO", "replication")))?.string ?? "").contains("state=online")
        }
        await client.shutdown()
        guard online else { throw ReplicaNotOnline() }
        let sentinels = try await PrivateSentinels(masterPort: master.port)
        return SentinelGroup(master: master, replica: replica, sentinels: sentinels)
    }

    struct ReplicaNotOnline: Error {}

    func configuration(_ adjust: (inout RedisConfiguration) -> Void = { _ in }) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: sentinels.url)
        configuration.connectTimeout = .milliseconds(500)
        adjust(&configuration)
        return configuration
    }
}

/// The port of the server a client's pooled connection reaches.
private func serverPort(_ client: RedisClient) async throws -> Int? {
    let info = try await client.send(RedisCommand("INFO", "server")).string ?? ""
    return info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("tcp_port:") }.flatMap { Int($0.dropFirst("tcp_port:".count)) }
}

@Suite("Redis through Sentinel: finding the master, following a failover, and waiting for replicas")
struct RedisSentinelTests {
    @Test("the client reaches the master the sentinels name, past a sentinel that is down")
    func findsTheMaster() async throws {
        let group = try await SentinelGroup.start()
        var configuration = try group.configuration()
        configuration.sentinel?.sentinels.insert(RedisServerAddress(host: "127.0.0.1", port: 1), at: 0)
        try await TestRedis.withClient(of: configuration) { client in
            #expect(try await serverPort(client) == group.master.port)
            try await client.send(RedisCommand("SET", "sentinel-test", "1"))
            #expect(try await client.send(RedisCommand("GET", "sentinel-test")).string == "1")
        }
    }

    @Test("a master name no sentinel knows, and sentinels none of which answers: errors that say so and name the setting")
    func refusesWhatNoSentinelConfirms() async throws {
        let group = try await SentinelGroup.start()
        let unknownName = try group.configuration { $0.sentinel?.masterName = "nosuchmaster" }
        try await TestRedis.withClient(of: unknownName) { client in
            await #expect {
                try await client.send(RedisCommand("PING"))
            } throws: { error in
                let text = "\(error)"
                return (error as? RedisError)?.kind == .connectionFailed && text.contains("no sentinel knows a master named 'nosuchmaster'")
                    && text.contains("CONVEYOR_REDIS_URL")
            }
        }
        let silent = try RedisConfiguration(url: "redis+sentinel://127.0.0.1:1,127.0.0.1:2/\(group.sentinels.masterName)")
        try await TestRedis.withClient(of: silent) { client in
            await #expect {
                try await client.send(RedisCommand("PING"))
            } throws: { error in
                let text = "\(error)"
                return text.contains("no sentinel named the master") && text.contains("127.0.0.1:1: cannot connect")
                    && text.contains("127.0.0.1:2: cannot connect") && text.contains("CONVEYOR_REDIS_URL")
            }
        }
    }

    @Test("after a failover, pooled and blocking connections move to the new master without a restart")
    func followsAFailover() async throws {
        let group = try await SentinelGroup.start()
        let prefix = TestRedis.keyPrefix()
        try await TestRedis.withClient(of: try group.configuration()) { client in
            let waiting = client.makeBlockingConnection()
            defer { Task { await waiting.close() } }
            #expect(try await serverPort(client) == group.master.port)
            try await client.send(RedisCommand("RPUSH", .string(prefix + "before"), "x"))
            #expect(try await waiting.send(RedisCommand("BLPOP", .string(prefix + "before"), "1"), blockingFor: .seconds(1)).array?.count == 2)

            // A blocking call in progress when the master steps down.
            let blocked = Task { try await waiting.send(RedisCommand("BLPOP", .string(prefix + "after"), "10"), blockingFor: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(200))
            try await group.sentinels.failOver()
            #expect(try await eventually(timeout: .seconds(20)) { try await group.sentinels.masterPort() == group.replica.port })

            // Calls fail for a moment at most, then reach the new master. (Until the sentinels
            // demote it, the old master still takes writes from clients that have not heard.)
            let moved = try await eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                guard (try? await client.send(RedisCommand("SET", .string(prefix + "write"), "1"))) != nil else { return false }
                return (try? await serverPort(client)) == group.replica.port
            }
            #expect(moved)
            // The blocking call ended (the demoted master unblocks it); the next one waits on the new master.
            _ = try? await blocked.value
            let pushed = Task {
                try await Task.sleep(for: .milliseconds(300))
                try await client.send(RedisCommand("RPUSH", .string(prefix + "after"), "y"))
            }
            var popped: RESPValue?
            _ = try await eventually(timeout: .seconds(10)) {
                popped = try? await waiting.send(RedisCommand("BLPOP", .string(prefix + "after"), "2"), blockingFor: .seconds(2))
                return popped?.array != nil
            }
            _ = try await pushed.value
            #expect(popped?.array?.last?.string == "y")
        }
    }

    @Test("replicated durability: a write waits for the replica, and is reported not replicated when the replica does not answer")
    func waitsForTheReplica() async throws {
        let group = try await SentinelGroup.start()
        let script = RedisScript("redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])")
        let key = TestRedis.keyPrefix() + "counter"
        let configuration = try group.configuration { $0.durability = .replicated(replicas: 1, timeout: .seconds(1)) }
        try await TestRedis.withClient(of: configuration) { client in
            #expect(try await client.runDurably(script, keys: [key], arguments: []).string == "1")
            let replica = RedisClient(configuration: try RedisConfiguration(url: group.replica.url), logger: TestRedis.logger)
            #expect(try await replica.send(RedisCommand("GET", .string(key))).string == "1")
            await replica.shutdown()

            group.replica.signal(SIGSTOP)
            defer { group.replica.signal(SIGCONT) }
            await #expect {
                try await client.runDurably(script, keys: [key], arguments: [])
            } throws: { error in
                (error as? RedisError)?.kind == .notReplicated && "\(error)".contains("0 of the 1 replicas asked for confirmed it within 1.0 seconds")
            }
            // The master ran it nonetheless.
            #expect(try await client.send(RedisCommand("GET", .string(key))).string == "2")
        }
        // With local durability the same call does not wait for the stopped replica.
        try await TestRedis.withClient(of: try group.configuration()) { client in
            let reply = try await client.runDurably(script, keys: [key], arguments: [])
            #expect(reply.string == "3")
        }
    }
}
