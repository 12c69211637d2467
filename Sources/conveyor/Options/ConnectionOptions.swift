import ArgumentParser
import ConveyorJobs
import ConveyorWorker
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Foundation
import Logging

/// Where Redis and PostgreSQL are, and how the queues are laid out in Redis.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("redis-url"), help: "Redis URL, redis://[[user]:password@]host[:port][/db], rediss://… for TLS, or redis+sentinel://host:26379,host:26379/MASTER[/db] for the master Sentinel names (env CONVEYOR_REDIS_URL, or CONVEYOR_REDIS_SENTINELS with CONVEYOR_REDIS_MASTER; default redis://127.0.0.1:6379/0).")
    var redisURL: String?

    @Option(name: .customLong("redis-durability"), help: "local: Redis's answer to a write suffices; replicated: enqueues and job state changes also wait until a replica has them (WAIT), and fail (the API answers 503) when none confirmed within --redis-wait-timeout (env CONVEYOR_REDIS_DURABILITY; default local).")
    var redisDurability: String?

    @Option(name: .customLong("redis-wait-timeout"), help: "Seconds a replicated write waits for a replica's confirmation (env CONVEYOR_REDIS_WAIT_TIMEOUT; default 1).")
    var redisWaitTimeout: String?

    @Option(name: .customLong("queue-shards"), help: "Sharded queues, queue:shards comma-separated, e.g. imports:8: each spreads its jobs over that many hash tags, which Redis Cluster spreads over its masters; every process must say the same (env CONVEYOR_QUEUE_SHARDS; default none).")
    var queueShards: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL, a libpq URI or conninfo (env CONVEYOR_DATABASE_URL; default postgres://conveyor@127.0.0.1:5432/conveyor).")
    var databaseURL: String?

    @Option(name: .customLong("db-pool-size"), help: "PostgreSQL connections per process (env CONVEYOR_DB_POOL_SIZE; default 10).")
    var databasePoolSize: String?

    @Option(name: .customLong("db-reply-timeout"), help: "Seconds a PostgreSQL statement may wait with nothing arriving from the server before its connection is taken for dead (env CONVEYOR_DB_REPLY_TIMEOUT; default 600).")
    var databaseReplyTimeout: String?

    @Option(name: .customLong("db-commit-timeout"), help: "The same for COMMIT and ROLLBACK (env CONVEYOR_DB_COMMIT_TIMEOUT; default 30).")
    var databaseCommitTimeout: String?

    func redisConfiguration() throws -> RedisConfiguration {
        var configuration = try Setting<RedisConfiguration>(flag: "--redis-url", variable: "CONVEYOR_REDIS_URL")
            .resolve(try redisURL ?? sentinelURL(), default: "redis://127.0.0.1:6379/0") { try RedisConfiguration(url: $0) }
        let waitTimeout = try Setting<Duration>(flag: "--redis-wait-timeout", variable: "CONVEYOR_REDIS_WAIT_TIMEOUT")
            .resolve(redisWaitTimeout, default: "1") { try parseSeconds($0, in: 0.01...60) }
        guard waitTimeout < configuration.commandTimeout else {
            throw ValidationError("--redis-wait-timeout / CONVEYOR_REDIS_WAIT_TIMEOUT must be under the \(configuration.commandTimeout) a Redis reply may take")
        }
        configuration.durability = try Setting<RedisDurability>(flag: "--redis-durability", variable: "CONVEYOR_REDIS_DURABILITY")
            .resolve(redisDurability, default: "local") { text in
                switch text.trimmingCharacters(in: .whitespaces) {
                case "local": return .local
                case "replicated": return .replicated(replicas: 1, timeout: waitTimeout)
                default: throw SettingError(description: "'\(text)' is neither local nor replicated")
                }
            }
        return configuration
    }

    /// The `redis+sentinel://` URL that `CONVEYOR_REDIS_SENTINELS` and `CONVEYOR_REDIS_MASTER` make,
    /// or nil when neither is set.
    private func sentinelURL() throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        let sentinels = environment["CONVEYOR_REDIS_SENTINELS"].flatMap { $0.isEmpty ? nil : $0 }
        let master = environment["CONVEYOR_REDIS_MASTER"].flatMap { $0.isEmpty ? nil : $0 }
        guard sentinels != nil || master != nil else {
            return nil
        }
        guard let sentinels, let master else {
            throw ValidationError(
                "CONVEYOR_REDIS_SENTINELS and CONVEYOR_REDIS_MASTER go together: set both "
                    + "(e.g. CONVEYOR_REDIS_SENTINELS=10.0.0.1:26379,10.0.0.2:26379 CONVEYOR_REDIS_MASTER=mymaster), or neither"
            )
        }
        guard environment["CONVEYOR_REDIS_URL"] == nil else {
            throw ValidationError("set CONVEYOR_REDIS_URL, or CONVEYOR_REDIS_SENTINELS with CONVEYOR_REDIS_MASTER, not both")
        }
        let name = master.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? master
        return "redis+sentinel://\(sentinels)/\(name)"
    }

    func postgresConfiguration() throws -> PostgresConfiguration {
        var configuration = try Setting<PostgresConfiguration>(flag: "--database-url", variable: "CONVEYOR_DATABASE_URL")
            .resolve(databaseURL, default: "postgres://conveyor@127.0.0.1:5432/conveyor") { try PostgresConfiguration(url: $0) }
        configuration.poolSize = try Setting<Int>(flag: "--db-pool-size", variable: "CONVEYOR_DB_POOL_SIZE")
            .resolve(databasePoolSize, default: "10") { try parseCount($0, in: 1...500) }
        configuration.replyTimeout = try Setting<Duration>(flag: "--db-reply-timeout", variable: "CONVEYOR_DB_REPLY_TIMEOUT")
            .resolve(databaseReplyTimeout, default: "600") { try parseSeconds($0, in: 1...86_400) }
        configuration.commitTimeout = try Setting<Duration>(flag: "--db-commit-timeout", variable: "CONVEYOR_DB_COMMIT_TIMEOUT")
            .resolve(databaseCommitTimeout, default: "30") { try parseSeconds($0, in: 1...86_400) }
        return configuration
    }

    /// The queues' limits and retention (see ``QueueOptions``), the kinds' own retentions, and
    /// shard counts.
    func queuePolicy() throws -> QueuePolicy {
        var policy = try QueueOptions.policy()
        policy.retentionByKind = try JobCatalogue.registry().retentionByKind
        policy.shards = try Setting<[QueueName: Int]>(flag: "--queue-shards", variable: "CONVEYOR_QUEUE_SHARDS")
            .resolve(queueShards, default: "") { text in
                try parseEntries(
                    text, form: "queue:shards, e.g. imports:8", name: { try QueueName($0) },
                    value: { try parseCount($0, in: 1...QueuePolicy.shardLimit) }
                )
            }
        return policy
    }

    /// The job queue in `redis` under ``queuePolicy()``, with the shards the processes before
    /// this one recorded; a process whose shard counts disagree with those says so and stops.
    func jobQueue(_ redis: RedisClient) async throws -> JobQueue {
        do {
            return try await JobQueue(redis: redis, policy: try queuePolicy()).checkingShards()
        } catch let error as QueueError {
            throw ValidationError("\(error)")
        }
    }

    /// A Redis client that has answered a PING: a process that cannot reach Redis at
    /// start-up says so and stops, rather than retrying in silence.
    func connectRedis(logger: Logger) async throws -> RedisClient {
        let configuration = try redisConfiguration()
        let client = RedisClient(configuration: configuration, logger: logger)
        do {
            _ = try await client.send(RedisCommand("PING"))
        } catch {
            await client.shutdown()
            throw ValidationError("cannot reach Redis at \(configuration.serverDescription) (--redis-url / CONVEYOR_REDIS_URL): \(error)")
        }
        return client
    }
}

/// Parses a whole number within `range`.
func parseCount(_ text: String, in range: ClosedRange<Int>) throws -> Int {
    guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
        throw SettingError(description: "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
}

/// Parses seconds, fractions allowed, within `range`.
func parseSeconds(_ text: String, in range: ClosedRange<Double>) throws -> Duration {
    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
        throw SettingError(description: "'\(text)' is not a number of seconds from \(range.lowerBound) to \(range.upperBound)")
    }
    return .milliseconds(Int64(value * 1000))
}
