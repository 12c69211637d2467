import ConveyorRedis
import Foundation
import Logging

/// The Redis server the tests run against, named by `CONVEYOR_REDIS_URL`.
enum TestRedis {
    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "CONVEYOR_REDIS_URL is not set: these tests need a Redis server. Start the private one with "
                + "`ops/services start test` and export the CONVEYOR_REDIS_URL it prints (redis://127.0.0.1:16379/0)."
        }
    }

    static let logger = Logger(label: "conveyor.redis.tests")

    static func configuration() throws -> RedisConfiguration {
        guard let url = ProcessInfo.processInfo.environment["CONVEYOR_REDIS_URL"], !url.isEmpty else {
            throw MissingServer()
        }
        return try RedisConfiguration(url: url)
    }

    /// Runs `body` with a client of the test server, and shuts the client down afterwards.
    static func withClient(_ body: (RedisClient) async throws -> Void) async throws {
        try await self.withClient({ _ in }, body)
    }

    /// Runs `body` with a client of the test server, its configuration changed by `adjust`,
    /// and shuts the client down afterwards.
    static func withClient(
        _ adjust: (inout RedisConfiguration) -> Void,
        _ body: (RedisClient) async throws -> Void
    ) async throws {
        var configuration = try self.configuration()
        adjust(&configuration)
        try await self.withClient(of: configuration, body)
    }

    /// Runs `body` with a client of the server `configuration` names, and shuts the client
    /// down afterwards.
    static func withClient(of configuration: RedisConfiguration, _ body: (RedisClient) async throws -> Void) async throws {
        let client = RedisClient(configuration: configuration, logger: self.logger)
        do {
            try await body(client)
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// A key prefix no other test, and no other run, uses.
    static func keyPrefix(_ test: String = #function) -> String {
        "conveyor-redis-test:\(test.prefix { $0 != "(" }):\(UInt32.random(in: 0...UInt32.max)):"
    }
}

extension ContinuousClock {
    /// How long `body` took, with its result.
    func measure<Result>(_ body: () async throws -> Result) async rethrows -> (Result, Duration) {
        let start = self.now
        let result = try await body()
        return (result, self.now - start)
    }
}
