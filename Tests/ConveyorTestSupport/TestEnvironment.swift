public import ConveyorQueue
public import ConveyorRedis
import Foundation
import Logging

/// The servers the tests run against, from the environment that `ops/test` sets.
/// A test that needs a server it was not given fails with this message rather than
/// passing without having run.
public enum TestEnvironment {
    /// Whether the tests reach PostgreSQL through a transaction pooler (`CONVEYOR_TEST_THROUGH_POOLER=1`,
    /// as ops/test's PgBouncer pass sets). A test of what only a direct connection has (startup
    /// options, the server process that serves a client connection) runs only without one.
    public static var reachesPostgresThroughPooler: Bool {
        ProcessInfo.processInfo.environment["CONVEYOR_TEST_THROUGH_POOLER"] == "1"
    }

    /// How long `/ready` waits for each server: `CONVEYOR_READINESS_TIMEOUT` seconds, which the
    /// tests' API processes read too, or the API's default of 1 s. Through a pooler, which opens its
    /// server connections one at a time, ops/test gives more, as an operator would.
    public static var readinessTimeout: Duration {
        let seconds = ProcessInfo.processInfo.environment["CONVEYOR_READINESS_TIMEOUT"].flatMap(Double.init) ?? 1
        return .milliseconds(Int64(seconds * 1000))
    }

    public static func redisURL() throws -> String {
        try variable("CONVEYOR_REDIS_URL")
    }

    /// Whether the test Redis is a Redis Cluster (`redis+cluster://`), as ops/test's second pass of
    /// the queue and worker suites makes it.
    public static var redisIsCluster: Bool {
        ProcessInfo.processInfo.environment["CONVEYOR_REDIS_URL"]?.hasPrefix("redis+cluster://") ?? false
    }

    public static func databaseURL() throws -> String {
        try variable("CONVEYOR_DATABASE_URL")
    }

    /// The path of `name` (`ca.crt`, `server.crt`, `server.key`, `client.crt`, `client.key`) in
    /// the tests' own CA's folder, which the test PostgreSQL's certificate comes from.
    public static func tlsFile(_ name: String) throws -> String {
        try variable("CONVEYOR_TEST_TLS_DIR") + "/" + name
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
