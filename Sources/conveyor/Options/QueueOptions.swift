import ConveyorQueue
import Foundation

/// Queue limits and retention, read from the environment by every process that writes
/// to the queues, so that the API and the workers agree.
enum QueueOptions {
    /// CONVEYOR_RETENTION (seconds finished jobs stay readable, default 86400),
    /// CONVEYOR_DEAD_LIMIT (dead jobs kept per queue, default 10000),
    /// CONVEYOR_DEAD_RETENTION (seconds, default 2592000),
    /// CONVEYOR_QUEUE_LIMIT (waiting jobs per queue, 0 for none, default 1000000) and
    /// CONVEYOR_QUEUE_LIMITS (per queue, e.g. "imports:50000,default:2000000").
    static func policy() throws -> QueuePolicy {
        var policy = QueuePolicy()
        policy.retention = try Setting<Duration>(flag: "retention", variable: "CONVEYOR_RETENTION")
            .resolve(nil, default: "86400") { try parseSeconds($0, in: 1...31_536_000) }
        policy.deadLimit = try Setting<Int>(flag: "dead limit", variable: "CONVEYOR_DEAD_LIMIT")
            .resolve(nil, default: "10000") { try parseCount($0, in: 1...10_000_000) }
        policy.deadRetention = try Setting<Duration>(flag: "dead retention", variable: "CONVEYOR_DEAD_RETENTION")
            .resolve(nil, default: "2592000") { try parseSeconds($0, in: 1...315_360_000) }
        policy.maxLength = try Setting<Int>(flag: "queue limit", variable: "CONVEYOR_QUEUE_LIMIT")
            .resolve(nil, default: "1000000") { try parseCount($0, in: 0...1_000_000_000) }
        policy.maxLengthByQueue = try Setting<[QueueName: Int]>(flag: "queue limits", variable: "CONVEYOR_QUEUE_LIMITS")
            .resolve(nil, default: "") { text in
                try parseEntries(
                    text, form: "queue:limit, e.g. imports:50000", name: { try QueueName($0) },
                    value: { try parseCount($0, in: 0...1_000_000_000) }
                )
            }
        return policy
    }
}
