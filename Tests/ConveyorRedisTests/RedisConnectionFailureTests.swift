import ConveyorRedis
import Glibc
import Testing

@Suite struct RedisConnectionFailureTests {
    @Test func droppedConnectionFailsOneCallRetryably() async throws {
        try await TestRedis.withClient({ $0.poolSize = 1 }) { client throws in
            let id = try #require(try await client.send(RedisCommand("CLIENT", "ID")).int)
            try await TestRedis.withClient { killer throws in
                #expect(try await killer.send(RedisCommand("CLIENT", "KILL", "ID", .integer(id))) == .integer(1))
            }
            await #expect {
                try await client.send(RedisCommand("PING"))
            } throws: { error in
                let error = try #require(error as? RedisError)
                return error.kind == .connectionLost && error.isRetryable
            }
            #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
            #expect(try await client.send(RedisCommand("CLIENT", "ID")).int != id)
        }
    }

    @Test func lateReplyTimesOutAndTheClientRecovers() async throws {
        let key = TestRedis.keyPrefix() + "never"
        try await TestRedis.withClient({ $0.commandTimeout = .milliseconds(200); $0.poolSize = 1 }) { client throws in
            // BLPOP holds back the reply of this one connection for 2 s, without pausing the server for others.
            // A timeout error, not the null BLPOP answers after 2 s, shows the call was cut short.
            await #expect {
                try await client.send(RedisCommand("BLPOP", .string(key), 2))
            } throws: { error in
                let error = try #require(error as? RedisError)
                return error.kind == .timeout && error.isRetryable && error.message.contains("0.2 seconds")
            }
            #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
        }
    }

    @Test func closedPortFailsWithinTheConnectTimeout() async throws {
        let port = try Self.closedPort()
        let configuration = RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .seconds(1))
        let client = RedisClient(configuration: configuration, logger: TestRedis.logger)
        await #expect {
            try await client.send(RedisCommand("PING"))
        } throws: { error in
            let error = try #require(error as? RedisError)
            return error.kind == .connectionFailed && error.isRetryable
                && error.message.contains("127.0.0.1:\(port)") && error.message.contains("CONVEYOR_REDIS_URL")
        }
        await client.shutdown()
    }

    @Test func poolOpensAtMostPoolSizeConnections() async throws {
        let key = TestRedis.keyPrefix() + "never"
        try await TestRedis.withClient({ $0.poolSize = 4 }) { client throws in
            let ids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        // The short block keeps each connection busy, so that callers must queue.
                        let replies = try await client.pipeline([
                            RedisCommand("CLIENT", "ID"),
                            RedisCommand("BLPOP", .string(key), .double(0.02)),
                        ])
                        return replies[0].int
                    }
                }
                return try await group.reduce(into: Set<Int?>()) { $0.insert($1) }
            }
            #expect(ids.count == 4)
            #expect(!ids.contains(nil))
        }
    }

    @Test func cancelledWaiterGivesUpItsTurn() async throws {
        let key = TestRedis.keyPrefix() + "never"
        try await TestRedis.withClient({ $0.poolSize = 1 }) { client throws in
            // Generous margins: on a loaded machine the holder must have its connection
            // before the waiter asks, and must still hold it when the waiter is cancelled.
            let holder = Task { try await client.send(RedisCommand("BLPOP", .string(key), .double(2))) }
            try await Task.sleep(for: .milliseconds(300))
            let waiter = Task { try await client.send(RedisCommand("PING")) }
            try await Task.sleep(for: .milliseconds(200))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(try await holder.value.isNull)
            #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
        }
    }

    @Test func eachKilledConnectionFailsOneCallUnderLoad() async throws {
        let key = TestRedis.keyPrefix() + "counter"
        try await TestRedis.withClient({ $0.poolSize = 4 }) { client throws in
            // Open all four connections, then kill them while they sit idle.
            let ids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await client.pipeline([RedisCommand("CLIENT", "ID"), RedisCommand("BLPOP", .string(key), .double(0.02))])[0].int
                    }
                }
                return try await group.reduce(into: Set<Int?>()) { $0.insert($1) }.compactMap { $0 }
            }
            #expect(ids.count == 4)
            try await TestRedis.withClient { killer throws in
                for id in ids {
                    try await killer.send(RedisCommand("CLIENT", "KILL", "ID", .integer(id)))
                }
            }

            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        var failures = 0
                        for _ in 0..<100 {
                            do {
                                try await client.send(RedisCommand("INCR", .string(key)))
                            } catch let error as RedisError where error.kind == .connectionLost && error.isRetryable {
                                failures += 1
                            }
                        }
                        return failures
                    }
                }
                return try await group.reduce(0, +)
            }
            // A dead connection fails the one call that finds it so, which never reached the server.
            #expect(failures == ids.count)
            #expect(try await client.send(RedisCommand("GET", .string(key))).int == 2_000 - failures)
            try await client.send(RedisCommand("DEL", .string(key)))
        }
    }

    @Test func shutdownDuringCallsNeitherHangsNorCrashes() async throws {
        let key = TestRedis.keyPrefix() + "never"
        let client = RedisClient(configuration: try TestRedis.configuration(), logger: TestRedis.logger)
        let calls = (0..<20).map { _ in
            Task { try await client.send(RedisCommand("BLPOP", .string(key), .double(0.2))) }
        }
        try await Task.sleep(for: .milliseconds(50))
        await client.shutdown()
        for call in calls {
            do {
                #expect(try await call.value.isNull)
            } catch let error as RedisError {
                // A call on a connection the shutdown closes under it may find it lost first.
                #expect([.shutdown, .connectionLost].contains(error.kind))
            }
        }
    }

    /// A loopback port nothing listens on: bound, then released.
    private static func closedPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
