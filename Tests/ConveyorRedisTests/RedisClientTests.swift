import ConveyorRedis
import Testing

@Suite struct RedisClientTests {
    @Test func storesAndReadsBinaryData() async throws {
        let key = TestRedis.keyPrefix() + "blob"
        let data: [UInt8] = [0, 13, 10, 255, 0x24, 0x2A, 13, 10, 0] + Array("\r\n$3\r\nend".utf8)
        try await TestRedis.withClient { client throws in
            #expect(try await client.send(RedisCommand("SET", .string(key), .bytes(data), "PX", 60_000)) == .simpleString("OK"))
            #expect(try await client.send(RedisCommand("GET", .string(key))) == .bulkString(data))
            #expect(try await client.send(RedisCommand("STRLEN", .string(key))) == .integer(data.count))
        }
    }

    @Test func readsEveryReplyType() async throws {
        let prefix = TestRedis.keyPrefix()
        try await TestRedis.withClient { client throws in
            #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
            #expect(try await client.send(RedisCommand("GET", .string(prefix + "missing"))).isNull)

            let counter = prefix + "counter"
            #expect(try await client.send(RedisCommand("INCRBY", .string(counter), -42)) == .integer(-42))
            #expect(try await client.send(RedisCommand("GET", .string(counter))).int == -42)
            #expect(try await client.send(RedisCommand("INCRBYFLOAT", .string(counter), .double(0.5))).string == "-41.5")

            let list = prefix + "list"
            #expect(try await client.send(RedisCommand("RPUSH", .string(list), "a", .integer(Int.min), "ü")) == .integer(3))
            let elements = try await client.send(RedisCommand("LRANGE", .string(list), 0, -1))
            #expect(elements.array?.compactMap(\.string) == ["a", "\(Int.min)", "ü"])

            let nested = try await client.send(RedisCommand("EVAL", "return {1, 'two', {3}, redis.status_reply('OK')}", 0))
            #expect(nested == .array([.integer(1), .bulkString(Array("two".utf8)), .array([.integer(3)]), .simpleString("OK")]))

            try await client.send(RedisCommand("DEL", .string(counter), .string(list)))
        }
    }

    @Test func throwsErrorReplies() async throws {
        let key = TestRedis.keyPrefix() + "string"
        try await TestRedis.withClient { client throws in
            try await client.send(RedisCommand("SET", .string(key), "text", "PX", 60_000))
            await #expect {
                try await client.send(RedisCommand("LPUSH", .string(key), "x"))
            } throws: { error in
                let error = try #require(error as? RedisError)
                return error.kind == .server && error.message.hasPrefix("WRONGTYPE") && !error.isRetryable
            }
            // The connection stays usable after an error reply.
            #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
        }
    }

    @Test func pipelinesThousandCommandsInOrder() async throws {
        let key = TestRedis.keyPrefix() + "counter"
        try await TestRedis.withClient { client throws in
            let commands = (0..<1_000).map { _ in RedisCommand("INCR", .string(key)) }
            let replies = try await client.pipeline(commands)
            #expect(replies == (1...1_000).map { .integer($0) })
            try await client.send(RedisCommand("DEL", .string(key)))
        }
    }

    @Test func pipelineReturnsErrorRepliesInPlace() async throws {
        let key = TestRedis.keyPrefix() + "string"
        try await TestRedis.withClient { client throws in
            let replies = try await client.pipeline([
                RedisCommand("SET", .string(key), "text", "PX", 60_000),
                RedisCommand("INCR", .string(key)),
                RedisCommand("GET", .string(key)),
            ])
            #expect(replies.count == 3)
            #expect(replies[0] == .simpleString("OK"))
            guard case .error(let message) = replies[1] else {
                Issue.record("expected an error reply, got \(replies[1])")
                return
            }
            #expect(message.hasPrefix("ERR value is not an integer"))
            #expect(replies[2].string == "text")
            #expect(try await client.pipeline([]) == [])
        }
    }

    @Test func selectsTheConfiguredDatabase() async throws {
        let key = TestRedis.keyPrefix() + "where"
        try await TestRedis.withClient({ $0.database = 1 }) { databaseOne throws in
            try await databaseOne.send(RedisCommand("SET", .string(key), "one", "PX", 60_000))
            try await TestRedis.withClient({ $0.database = 0 }) { databaseZero throws in
                #expect(try await databaseZero.send(RedisCommand("GET", .string(key))).isNull)
            }
            #expect(try await databaseOne.send(RedisCommand("GET", .string(key))).string == "one")
        }
    }

    @Test func refusedLogInThrowsTheServerReply() async throws {
        try await TestRedis.withClient({ $0.password = "not-the-password" }) { client throws in
            await #expect {
                try await client.send(RedisCommand("PING"))
            } throws: { error in
                let error = try #require(error as? RedisError)
                // The test server has no password (ERR … without any password configured), or another one (WRONGPASS).
                return error.kind == .server && (error.message.contains("AUTH") || error.message.hasPrefix("WRONGPASS"))
            }
        }
    }

    @Test func shutdownMakesLaterCallsThrow() async throws {
        let client = RedisClient(configuration: try TestRedis.configuration(), logger: TestRedis.logger)
        #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
        let blocking = client.makeBlockingConnection()
        #expect(try await blocking.send(RedisCommand("PING"), blockingFor: .zero) == .simpleString("PONG"))
        await client.shutdown()

        let isShutdown = { (error: any Error) in (error as? RedisError)?.kind == .shutdown }
        await #expect(performing: { try await client.send(RedisCommand("PING")) }, throws: isShutdown)
        await #expect(performing: { try await client.pipeline([RedisCommand("PING")]) }, throws: isShutdown)
        await #expect(performing: { try await client.run(RedisScript("return 1"), keys: [], arguments: []) }, throws: isShutdown)
        await #expect(performing: { try await blocking.send(RedisCommand("PING"), blockingFor: .zero) }, throws: isShutdown)
        await #expect(
            performing: { try await client.makeBlockingConnection().send(RedisCommand("PING"), blockingFor: .zero) },
            throws: isShutdown
        )
        await client.shutdown()
    }
}
