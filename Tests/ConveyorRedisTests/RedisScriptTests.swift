import ConveyorRedis
import ConveyorTestSupport
import Testing

@Suite struct RedisScriptTests {
    /// Runs `body` with a client of a Redis server of the test's own: `SCRIPT FLUSH` empties
    /// the script cache of every client of a server, and the scripts of tests running beside
    /// must not vanish under them.
    private static func withOwnServer(_ body: (RedisClient) async throws -> Void) async throws {
        let server = try await PrivateRedis()
        try await TestRedis.withClient(of: try RedisConfiguration(url: server.url), body)
    }

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "a", count: 1_000), "291e9a6c66994949b57ba5e650361e98fc36b1ba"),
    ])
    func digestsLikeSHA1(_ source: String, _ sha1: String) {
        #expect(RedisScript(source).sha1 == sha1)
    }

    @Test func digestMatchesTheServers() async throws {
        let script = RedisScript("return redis.call('GET', KEYS[1]) -- é\n")
        try await TestRedis.withClient { client throws in
            #expect(try await client.send(RedisCommand("SCRIPT", "LOAD", .string(script.source))).string == script.sha1)
        }
    }

    @Test func runReloadsAfterScriptFlush() async throws {
        let key = TestRedis.keyPrefix() + "counter"
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        try await Self.withOwnServer { client throws in
            #expect(try await client.run(script, keys: [key], arguments: [5]) == .integer(5))
            try await client.send(RedisCommand("SCRIPT", "FLUSH"))
            #expect(try await client.run(script, keys: [key], arguments: [2]) == .integer(7))
            try await client.send(RedisCommand("DEL", .string(key)))
        }
    }

    @Test func runThrowsScriptErrors() async throws {
        try await TestRedis.withClient { client throws in
            await #expect {
                try await client.run(RedisScript("return redis.error_reply('NOPE refused')"), keys: [], arguments: [])
            } throws: { error in
                (error as? RedisError).map { $0.kind == .server && $0.message == "NOPE refused" } ?? false
            }
            await #expect {
                try await client.run(RedisScript("this is not lua"), keys: [], arguments: [])
            } throws: { error in
                (error as? RedisError).map { $0.kind == .server && $0.message.contains("Error compiling script") } ?? false
            }
        }
    }

    @Test func runPipelinedReloadsJustTheUnknownScripts() async throws {
        let prefix = TestRedis.keyPrefix()
        let increment = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        let echo = RedisScript("return ARGV[1]")
        let broken = RedisScript("return (")
        try await Self.withOwnServer { client throws in
            // Known to the server: the first calls load it.
            _ = try await client.run(echo, keys: [], arguments: ["warm"])
            try await client.send(RedisCommand("SCRIPT", "FLUSH"))
            _ = try await client.run(echo, keys: [], arguments: ["warm again"])

            var calls: [RedisClient.ScriptCall] = []
            for index in 0..<200 {
                calls.append((increment, [prefix + "counter"], [1]))
                calls.append((echo, [], [.integer(index)]))
            }
            calls.append((broken, [], []))
            let replies = try await client.runPipelined(calls)

            #expect(replies.count == calls.count)
            for index in 0..<200 {
                #expect(replies[2 * index] == .integer(index + 1))
                #expect(replies[2 * index + 1].int == index)
            }
            guard case .error(let message) = replies.last else {
                Issue.record("expected the broken script's compile error, got \(String(describing: replies.last))")
                return
            }
            #expect(message.contains("Error compiling script"))
            try await client.send(RedisCommand("DEL", .string(prefix + "counter")))
        }
    }
}
