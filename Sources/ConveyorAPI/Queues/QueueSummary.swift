import ConveyorCore
import ConveyorQueue
import Hummingbird

/// One queue as `GET /v1/queues` shows it: what waits, runs and died, whether it is paused,
/// how long its oldest ready job has waited, and its counters since it was created.
struct QueueSummary: ResponseEncodable, Sendable {
    let statistics: QueueStatistics

    private enum CodingKeys: String, CodingKey {
        case name, depth, running, scheduled, dead, paused, totals
        case latencyMilliseconds = "latency_ms"
    }

    private enum TotalsKeys: String, CodingKey {
        case succeeded, retried, dead, recovered
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statistics.queue.rawValue, forKey: .name)
        try container.encode(statistics.depth, forKey: .depth)
        try container.encode(statistics.running, forKey: .running)
        try container.encode(statistics.scheduled, forKey: .scheduled)
        try container.encode(statistics.dead, forKey: .dead)
        try container.encode(statistics.paused, forKey: .paused)
        try container.encode((statistics.latency.milliseconds * 1000).rounded() / 1000, forKey: .latencyMilliseconds)
        var totals = container.nestedContainer(keyedBy: TotalsKeys.self, forKey: .totals)
        try totals.encode(statistics.succeeded, forKey: .succeeded)
        try totals.encode(statistics.retried, forKey: .retried)
        try totals.encode(statistics.buried, forKey: .dead)
        try totals.encode(statistics.recovered, forKey: .recovered)
    }
}

/// `GET /v1/queues`: `{"queues": [...]}`.
struct QueueList: ResponseEncodable, Sendable {
    let queues: [QueueSummary]
}
