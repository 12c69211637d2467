public import ConveyorRedis
public import Foundation

/// The live workers, as they announce themselves in Redis (``WorkerPresence``): for
/// `GET /v1/workers` and `conveyor stats`.
public enum WorkerDirectory {
    /// One worker process, as of its last heartbeat.
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var host: String
        public var pid: Int
        /// Its queues with their weights, e.g. `critical:5,default:1`.
        public var queues: String
        public var concurrency: Int
        /// Jobs running at its last heartbeat, zombies included.
        public var busy: Int
        /// Attempts told to stop that had not, at its last heartbeat: each holds a slot.
        public var zombies: Int
        public var startedAt: Date
        public var heartbeatAt: Date
    }

    /// The workers whose entry has not expired, most recent heartbeat first.
    public static func list(from redis: RedisClient) async throws -> [Entry] {
        let members = try await redis.send(RedisCommand("ZREVRANGE", .string(WorkerPresence.workersKey), 0, -1))
        let ids = (members.array ?? []).compactMap(\.string)
        guard !ids.isEmpty else { return [] }
        let replies = try await redis.pipeline(ids.map { RedisCommand("HGETALL", .string(WorkerPresence.key(of: $0))) })
        return replies.compactMap { reply in
            let values = reply.array ?? []
            var fields: [String: String] = [:]
            for index in stride(from: 0, to: values.count - 1, by: 2) {
                if let name = values[index].string { fields[name] = values[index + 1].string }
            }
            func milliseconds(_ name: String) -> Date? {
                fields[name].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
            }
            guard let id = fields["id"], let startedAt = milliseconds("started_at"), let heartbeatAt = milliseconds("heartbeat_at") else {
                return nil
            }
            return Entry(
                id: id, host: fields["host"] ?? "", pid: fields["pid"].flatMap(Int.init) ?? 0, queues: fields["queues"] ?? "",
                concurrency: fields["concurrency"].flatMap(Int.init) ?? 0, busy: fields["busy"].flatMap(Int.init) ?? 0,
                zombies: fields["zombies"].flatMap(Int.init) ?? 0,
                startedAt: startedAt, heartbeatAt: heartbeatAt
            )
        }
    }
}
