public import ConveyorQueue
public import ConveyorRedis
import Foundation
import Logging

/// The servers the tests run against, from the environment that `ops/test` sets.
/// A test that needs a server it was not given fails with this message rather than
/// passing without having run.
public enum TestEnvironment {
    public static func redisURL() throws -> String {
        try variable("CONVEYOR_REDIS_URL")
    }

    public static func databaseURL() throws -> String {
        try variable("CONVEYOR_DATABASE_URL")
    }

    private static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingServer(variable: name)
        }
        return value
    }

    /// A Redis client for the test Redis, or the one at `url`.
    public static func redis(url: String? = nil, poolSize: Int = 4) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: url ?? redisURL())
        configuration.poolSize = poolSize
        return RedisClient(configuration: configuration, logger: Logger(label: "test"))
    }

    /// A queue name no other test uses.
    public static func uniqueQueue(_ purpose: String) -> QueueName {
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 36)
        return try! QueueName("t-\(purpose)-\(suffix)")
    }

    struct MissingServer: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) is not set: run the tests through ops/test, which starts Redis and PostgreSQL" }
    }
}
