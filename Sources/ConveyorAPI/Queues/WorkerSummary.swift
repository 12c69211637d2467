import ConveyorCore
import ConveyorQueue
import ConveyorWorker
import Foundation
import Hummingbird

/// One live worker as `GET /v1/workers` shows it.
struct WorkerSummary: ResponseEncodable, Sendable {
    let entry: WorkerDirectory.Entry
    /// The API's clock when the list was read, for the heartbeat's age.
    let now: Date

    private enum CodingKeys: String, CodingKey {
        case id, host, pid, queues, concurrency, busy, zombies
        case startedAt = "started_at"
        case heartbeatAt = "heartbeat_at"
        case heartbeatAgeMilliseconds = "heartbeat_age_ms"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry.id, forKey: .id)
        try container.encode(entry.host, forKey: .host)
        try container.encode(entry.pid, forKey: .pid)
        try container.encode(entry.queues, forKey: .queues)
        try container.encode(entry.concurrency, forKey: .concurrency)
        try container.encode(entry.busy, forKey: .busy)
        try container.encode(entry.zombies, forKey: .zombies)
        try container.encode(Timestamp(entry.startedAt).description, forKey: .startedAt)
        try container.encode(Timestamp(entry.heartbeatAt).description, forKey: .heartbeatAt)
        try container.encode(max(0, Int(now.timeIntervalSince(entry.heartbeatAt) * 1000)), forKey: .heartbeatAgeMilliseconds)
    }
}

/// `GET /v1/workers`: `{"workers": [...]}`.
struct WorkerList: ResponseEncodable, Sendable {
    let workers: [WorkerSummary]
}
