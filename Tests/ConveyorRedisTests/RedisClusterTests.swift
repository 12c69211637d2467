@testable import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// The slot of a key, the slot map and the redirections, without a server.
@Suite struct RedisClusterRoutingTests {
    @Test func keysHashToTheSlotsRedisGivesThemByTheirHashTag() {
        // As `CLUSTER KEYSLOT` answers for each.
        #expect(RedisKeySlot.of("123456789") == 12739)
        #expect(RedisKeySlot.of("foo") == 12182)
        #expect(RedisKeySlot.of("") == 0)
        #expect(RedisKeySlot.of("{user1000}.following") == 3443)
        #expect(RedisKeySlot.of("{user1000}.followers") == 3443)
        // An empty tag is no tag; a tag ends at the first '}' after the first '{'.
        #expect(RedisKeySlot.of("foo{}{bar}") == 8363)
        #expect(RedisKeySlot.of("foo{{bar}}zap") == RedisKeySlot.of("{bar"))
        #expect(RedisKeySlot.of("foo{bar}{zap}") == 5061)
        #expect(RedisKeySlot.of("conveyor:{imports}:ready") == 9526)
        #expect(RedisKeySlot.of("conveyor:{imports}:job:01J") == RedisKeySlot.of("imports"))
    }

    @Test func commandsAreRoutedByTheirFirstKeyAndScriptsByTheirFirstDeclaredKey() {
        #expect(RedisCommand("HGETALL", "conveyor:{q}:job:1").routingKey == "conveyor:{q}:job:1")
        #expect(RedisCommand("hset", "k", "f", "v").routingKey == "k")
        #expect(RedisCommand("PING").routingKey == nil)
        #expect(RedisCommand("WAIT", 1, 100).routingKey == nil)
        #expect(RedisCommand("SCRIPT", "LOAD", "return 1").routingKey == nil)
        #expect(RedisCommand("OBJECT", "ENCODING", "k").routingKey == "k")
        let script = RedisScript("return 1")
        #expect(RedisCommand(evaluating: script, keys: ["a", "b"], arguments: ["x"]).routingKey == "a")
        #expect(RedisCommand(evaluating: script, keys: [], arguments: ["x"]).routingKey == nil)
    }

    @Test func theSlotMapReadsClusterSlotsAndTakesMovedAnswers() throws {
        let node = { (host: String, port: Int) in RESPValue.array([.bulkString(Array(host.utf8)), .integer(port), .bulkString(Array("id".utf8))]) }
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), node("10.0.0.1", 7000), node("10.0.0.4", 7003)]),
            .array([.integer(5461), .integer(10922), node("", 7001)]),
            .array([.integer(10923), .integer(16383), node("?", 7002)]),
        ])
        var map = try RedisSlotMap(clusterSlots: reply, askedAt: RedisServerAddress(host: "10.0.0.9", port: 7000))
        #expect(map.coversEverySlot)
        #expect(map.master(of: 0) == RedisServerAddress(host: "10.0.0.1", port: 7000))
        #expect(map.master(of: 5460) == RedisServerAddress(host: "10.0.0.1", port: 7000))
        // A master without a host is reached on the host of the node that answered.
        #expect(map.master(of: 5461) == RedisServerAddress(host: "10.0.0.9", port: 7001))
        #expect(map.master(of: 16383) == RedisServerAddress(host: "10.0.0.9", port: 7002))
        #expect(map.masters.count == 3)

        map.assign(100, to: RedisServerAddress(host: "10.0.0.5", port: 7004))
        #expect(map.master(of: 100) == RedisServerAddress(host: "10.0.0.5", port: 7004))
        #expect(map.master(of: 101) == RedisServerAddress(host: "10.0.0.1", port: 7000))

        let partial = try RedisSlotMap(clusterSlots: .array([.array([.integer(0), .integer(99), node("h", 1)])]), askedAt: RedisServerAddress(host: "h", port: 1))
        #expect(!partial.coversEverySlot)
        #expect(partial.master(of: 100) == nil)
        #expect(throws: RedisError.self) {
            try RedisSlotMap(clusterSlots: .array([.array([.integer(5), .integer(2), node("h", 1)])]), askedAt: RedisServerAddress(host: "h", port: 1))
        }
    }

    @Test func redirectionsAreReadFromErrorReplies() {
        let answeredBy = RedisServerAddress(host: "10.0.0.9", port: 7000)
        #expect(RedisRedirection(.error("MOVED 3999 127.0.0.1:6381"), answeredBy: answeredBy) == .moved(slot: 3999, to: RedisServerAddress(host: "127.0.0.1", port: 6381)))
        #expect(RedisRedirection(.error("ASK 3999 127.0.0.1:6381"), answeredBy: answeredBy) == .ask(slot: 3999, to: RedisServerAddress(host: "127.0.0.1", port: 6381)))
        #expect(RedisRedirection(.error("MOVED 1 :7002"), answeredBy: answeredBy) == .moved(slot: 1, to: RedisServerAddress(host: "10.0.0.9", port: 7002)))
        #expect(RedisRedirection(.error("MOVED 1 [::1]:7002"), answeredBy: answeredBy) == .moved(slot: 1, to: RedisServerAddress(host: "::1", port: 7002)))
        #expect(RedisRedirection(.error("TRYAGAIN Multiple keys request during rehashing of slot"), answeredBy: answeredBy) == .tryAgain)
        #expect(RedisRedirection(.error("ERR unknown command"), answeredBy: answeredBy) == nil)
        #expect(RedisRedirection(.error("MOVED 99999 h:1"), answeredBy: answeredBy) == nil)
        #expect(RedisRedirection(.simpleString("MOVED 1 h:1"), answeredBy: answeredBy) == nil)
    }
}

/// A client of a private three-master cluster: routing, pipelines split by master, scripts, blocking
/// waits, and slots moved under it.
@Suite(.serialized) struct RedisClusterTests {
    private static func client(of cluster: PrivateCluster) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: cluster.url)
        configuration.poolSize = 2
        return RedisClient(configuration: configuration, logger: TestRedis.logger)
    }

    /// Keys whose slots fall on every master: `count` hash tags.
    private static func keys(_ count: Int) -> [String] {
        (0..<count).map { _ in "k:{\(UUID().uuidString)}" }
    }

    @Test func aPipelineOverEveryMasterAnswersInOrderAndScriptsRunOnTheirKeysMaster() async throws {
        let cluster = try await PrivateCluster()
        let client = try Self.client(of: cluster)
        let keys = Self.keys(60)
        var owners = Set<Int>()
        for key in keys { owners.insert(try await cluster.owner(of: RedisKeySlot.of(key))) }
        #expect(owners.count == 3)

        _ = try await client.pipeline(keys.enumerated().map { index, key in RedisCommand("SET", .string(key), .integer(index)) })
        let values = try await client.pipeline(keys.map { RedisCommand("GET", .string($0)) })
        #expect(values.map(\.int) == keys.indices.map { $0 })

        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCR', KEYS[2])")
        let replies = try await client.runPipelined(keys.map { key in (script, [key, key + ":n"], ["10"]) })
        #expect(replies.map(\.int) == keys.indices.map { $0 + 10 + 1 })
        #expect(try await client.send(RedisCommand("PING")).string == "PONG")
        await client.shutdown()
    }

    @Test func aMovedSlotIsFollowedByCallsAndBlockingWaits() async throws {
        let cluster = try await PrivateCluster()
        let client = try Self.client(of: cluster)
        let key = "list:{\(UUID().uuidString)}"
        let slot = RedisKeySlot.of(key)
        try await client.send(RedisCommand("RPUSH", .string(key), "a", "b"))
        let waiting = client.makeBlockingConnection()
        #expect(try await waiting.send(RedisCommand("BLPOP", .string(key), 1), blockingFor: .seconds(1)).array?.last?.string == "a")

        let from = try await cluster.owner(of: slot)
        let to = (from + 1) % 3
        try await cluster.move(slot, from: from, to: to)
        #expect(try await cluster.owner(of: slot) == to)

        // The client's map still names the old master, which answers MOVED.
        #expect(try await client.send(RedisCommand("LLEN", .string(key))).int == 1)
        #expect(try await waiting.send(RedisCommand("BLPOP", .string(key), 1), blockingFor: .seconds(1)).array?.last?.string == "b")
        let script = RedisScript("return redis.call('RPUSH', KEYS[1], ARGV[1])")
        #expect(try await client.run(script, keys: [key], arguments: ["c"]).int == 1)
        await waiting.close()
        await client.shutdown()
    }

    @Test func aSlotBeingMovedIsServedThroughAskAndItsSplitKeysWaitUntilTheMoveIsOver() async throws {
        let cluster = try await PrivateCluster()
        let client = try Self.client(of: cluster)
        let tag = UUID().uuidString
        let first = "a:{\(tag)}"
        let second = "b:{\(tag)}"
        let slot = RedisKeySlot.of(first)
        try await client.send(RedisCommand("SET", .string(first), "1"))
        try await client.send(RedisCommand("SET", .string(second), "2"))
        let from = try await cluster.owner(of: slot)
        let to = (from + 1) % 3
        try await cluster.beginMoving(slot, from: from, to: to)
        try await cluster.migrate([first], from: from, to: to)

        // The moved key is on the target, which serves it after ASKING.
        #expect(try await client.send(RedisCommand("GET", .string(first))).string == "1")
        #expect(try await client.send(RedisCommand("GET", .string(second))).string == "2")
        #expect(try await client.send(RedisCommand("SET", .string(first), "10")).string == "OK")
        // A script over both keys, split between the masters, answers TRYAGAIN until the move ends.
        let sum = RedisScript("return redis.call('GET', KEYS[1]) + redis.call('GET', KEYS[2])")
        let summing = Task { try await client.run(sum, keys: [first, second], arguments: []) }
        try await Task.sleep(for: .milliseconds(300))
        try await cluster.finishMoving(slot, from: from, to: to)
        #expect(try await summing.value.int == 12)
        await client.shutdown()
    }

    @Test func aClusterURLAtAServerOutOfClusterModeIsRefusedWithTheSettingToFix() async throws {
        let plain = try await PrivateRedis()
        let client = RedisClient(configuration: try RedisConfiguration(url: "redis+cluster://127.0.0.1:\(plain.port)"), logger: TestRedis.logger)
        let error = try await #require(throws: RedisError.self) { try await client.send(RedisCommand("PING")) }
        #expect(error.message.contains("127.0.0.1:\(plain.port) is not a cluster node"), "\(error)")
        #expect(error.message.contains("CONVEYOR_REDIS_URL"), "\(error)")
        await client.shutdown()
    }
}
