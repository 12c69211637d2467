import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import Foundation
import Logging

/// The Redis server and queue a measurement works on.
struct BenchTarget: ParsableArguments {
    @Option(name: .customLong("redis-url"), help: "Redis URL (env CONVEYOR_REDIS_URL; default the bench profile's, redis://127.0.0.1:26379/0).")
    var redisURL: String?

    @Option(help: "The queue the noop jobs go to.")
    var queue = "bench"

    @Option(help: "The queue's shards, as the workers' CONVEYOR_QUEUE_SHARDS gives them.")
    var shards = 1

    /// The queue's name, checked.
    func queueName() throws -> QueueName {
        do {
            return try QueueName(queue)
        } catch {
            throw ValidationError("--queue: \(error)")
        }
    }

    /// Runs `body` with a queue on a client of its own, and shuts the client down after.
    /// The queue has no length limit unless `policy` gives one: a benchmark's enqueues are never refused.
    func withQueue<Value>(policy: QueuePolicy? = nil, _ body: (JobQueue) async throws -> Value) async throws -> Value {
        let url = redisURL ?? ProcessInfo.processInfo.environment["CONVEYOR_REDIS_URL"] ?? "redis://127.0.0.1:26379/0"
        var configuration: RedisConfiguration
        do {
            configuration = try RedisConfiguration(url: url)
        } catch {
            throw ValidationError("--redis-url / CONVEYOR_REDIS_URL: \(error)")
        }
        configuration.poolSize = 16
        let client = RedisClient(configuration: configuration, logger: Logger(label: "conveyor.bench"))
        do {
            let value = try await body(JobQueue(redis: client, policy: policy ?? QueuePolicy(maxLength: 0, shards: [try queueName(): shards])))
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
