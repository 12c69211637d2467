import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import Foundation

/// This worker's entry in Redis, for `GET /v1/workers` and `conveyor stats`: a hash with
/// host, pid, queues, concurrency, busy slots, zombies and the last heartbeat, which expires if
/// the process stops refreshing it, and its id in the set of workers by heartbeat.
struct WorkerPresence: Sendable {
    /// The sorted set of worker ids by last heartbeat, in milliseconds.
    static let workersKey = "conveyor:workers"

    static func key(of worker: String) -> String { "conveyor:worker:" + worker }

    let redis: RedisClient
    let configuration: WorkerConfiguration
    let startedAt = Date()

    /// Writes the entry with the number of busy slots and zombies; it lives for three heartbeats.
    func refresh(busy: Int, zombies: Int) async throws {
        let now = Int(Date().timeIntervalSince1970 * 1000)
        let key = Self.key(of: configuration.id)
        let lifetime = Int(configuration.heartbeatInterval.microseconds / 1000) * 3
        _ = try await redis.pipeline([
            RedisCommand(
                "HSET", .string(key),
                "id", .string(configuration.id),
                "host", .string(ProcessInfo.processInfo.hostName),
                "pid", .integer(Int(ProcessInfo.processInfo.processIdentifier)),
                "queues", .string(configuration.queues.description),
                "concurrency", .integer(configuration.concurrency),
                "busy", .integer(busy),
                "zombies", .integer(zombies),
                "started_at", .integer(Int(startedAt.timeIntervalSince1970 * 1000)),
                "heartbeat_at", .integer(now)
            ),
            RedisCommand("PEXPIRE", .string(key), .integer(lifetime)),
            RedisCommand("ZADD", .string(Self.workersKey), .integer(now), .string(configuration.id)),
            RedisCommand("ZREMRANGEBYSCORE", .string(Self.workersKey), "-inf", .integer(now - lifetime)),
        ])
    }

    /// Removes the entry: the worker stopped cleanly.
    func remove() async throws {
        _ = try await redis.pipeline([
            RedisCommand("DEL", .string(Self.key(of: configuration.id))),
            RedisCommand("ZREM", .string(Self.workersKey), .string(configuration.id)),
        ])
    }
}
