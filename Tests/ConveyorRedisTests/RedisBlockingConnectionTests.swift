import ConveyorRedis
import Testing

@Suite struct RedisBlockingConnectionTests {
    @Test func blockingMoveReturnsWhenAnotherClientPushes() async throws {
        let prefix = TestRedis.keyPrefix()
        try await TestRedis.withClient { client throws in
            let connection = client.makeBlockingConnection()
            let pusher = Task {
                try await Task.sleep(for: .milliseconds(100))
                return try await client.send(RedisCommand("LPUSH", .string(prefix + "ready"), "job-1"))
            }
            let (reply, _) = try await ContinuousClock().measure {
                try await connection.send(
                    RedisCommand("BLMOVE", .string(prefix + "ready"), .string(prefix + "running"), "RIGHT", "LEFT", 5),
                    blockingFor: .seconds(5)
                )
            }
            #expect(reply.string == "job-1")
            #expect(try await pusher.value == .integer(1))
            #expect(try await client.send(RedisCommand("LRANGE", .string(prefix + "running"), 0, -1)) == .array([.bulkString(Array("job-1".utf8))]))
            try await client.send(RedisCommand("DEL", .string(prefix + "running")))
            await connection.close()
        }
    }

    @Test func blockingMoveReturnsNullAfterItsTimeout() async throws {
        let prefix = TestRedis.keyPrefix()
        try await TestRedis.withClient({ $0.commandTimeout = .milliseconds(300) }) { client throws in
            let connection = client.makeBlockingConnection()
            let command = RedisCommand("BLMOVE", .string(prefix + "ready"), .string(prefix + "running"), "RIGHT", "LEFT", .double(0.5))
            // Longer than commandTimeout: the socket waits for the block plus commandTimeout.
            let (reply, elapsed) = try await ContinuousClock().measure {
                try await connection.send(command, blockingFor: .milliseconds(500))
            }
            #expect(reply.isNull)
            #expect(elapsed >= .milliseconds(450))
            await connection.close()
        }
    }

    @Test func closeInterruptsACallInProgress() async throws {
        let prefix = TestRedis.keyPrefix()
        try await TestRedis.withClient { client throws in
            let connection = client.makeBlockingConnection()
            let call = Task {
                try await connection.send(RedisCommand("BLPOP", .string(prefix + "never"), 10), blockingFor: .seconds(10))
            }
            try await Task.sleep(for: .milliseconds(200))
            await connection.close()
            await #expect {
                try await call.value
            } throws: { error in
                (error as? RedisError)?.kind == .shutdown
            }
        }
    }

    @Test func cancellationInterruptsACallAndTheConnectionRecovers() async throws {
        let prefix = TestRedis.keyPrefix()
        try await TestRedis.withClient { client throws in
            let connection = client.makeBlockingConnection()
            let call = Task {
                try await connection.send(RedisCommand("BLPOP", .string(prefix + "never"), 10), blockingFor: .seconds(10))
            }
            try await Task.sleep(for: .milliseconds(200))
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(try await connection.send(RedisCommand("PING"), blockingFor: .zero) == .simpleString("PONG"))
            await connection.close()
        }
    }

    @Test func reconnectsAfterTheServerDropsIt() async throws {
        try await TestRedis.withClient { client throws in
            let connection = client.makeBlockingConnection()
            let id = try #require(try await connection.send(RedisCommand("CLIENT", "ID"), blockingFor: .zero).int)
            try await client.send(RedisCommand("CLIENT", "KILL", "ID", .integer(id)))
            await #expect {
                try await connection.send(RedisCommand("PING"), blockingFor: .zero)
            } throws: { error in
                (error as? RedisError).map { $0.kind == .connectionLost && $0.isRetryable } ?? false
            }
            #expect(try await connection.send(RedisCommand("PING"), blockingFor: .zero) == .simpleString("PONG"))
            await connection.close()
        }
    }
}
