public import ConveyorCore
public import ConveyorRedis

/// Attempts per minute, by kind and by queue and outcome, for a day: the history the
/// dashboard's charts draw, the same for every API process. ``JobMetricsTally`` adds each
/// second's attempts in its flush; each minute is a Redis hash of its own that expires a
/// day after its last write, so the history never holds more than 1,440 minutes and needs
/// no sweeping.
///
/// A minute's hash, `conveyor:metrics:minute:<minutes since 1970>`, has the fields
/// `kind|outcome|<kind>` and `queue|outcome|<queue>` (the name last, as the only part that
/// may hold a `|`). Each command names one key, so a cluster sends each to its master.
public enum JobMetricsHistory {
    /// Minutes kept: a day.
    public static let retainedMinutes = 1440

    /// The hash of `minute`.
    public static func key(minute: Int) -> String {
        "conveyor:metrics:minute:\(minute)"
    }

    /// The minute `time` falls in, counted from 1970.
    public static func minute(of time: Timestamp) -> Int {
        Int(time.microseconds / 60_000_000)
    }

    /// One minute's attempts.
    public struct Minute: Sendable, Equatable {
        public var minute: Int
        /// Attempts by kind, then outcome.
        public var byKind: [String: [String: Int]] = [:]
        /// Attempts by queue, then outcome.
        public var byQueue: [String: [String: Int]] = [:]

        public init(minute: Int) {
            self.minute = minute
        }
    }

    /// Attempts counted since the last flush, as the commands that add them to a minute.
    struct Counts {
        private var fields: [String: Int] = [:]

        mutating func add(_ count: Int, kind: String, queue: String, outcome: String) {
            guard count > 0 else { return }
            fields["kind|\(outcome)|\(kind)", default: 0] += count
            fields["queue|\(outcome)|\(queue)", default: 0] += count
        }

        func commands(minute: Int) -> [RedisCommand] {
            guard !fields.isEmpty else { return [] }
            let key = JobMetricsHistory.key(minute: minute)
            return fields.map { field, count in RedisCommand("HINCRBY", .string(key), .string(field), .integer(count)) }
                + [RedisCommand("EXPIRE", .string(key), .integer((retainedMinutes + 1) * 60))]
        }
    }

    /// The minutes of `minutes`, in order, each with what every worker counted in it; a
    /// minute nobody counted in is empty. One pipeline of a read per minute.
    public static func read(_ minutes: ClosedRange<Int>, from redis: RedisClient) async throws -> [Minute] {
        let replies = try await redis.pipeline(minutes.map { RedisCommand("HGETALL", .string(key(minute: $0))) })
        return zip(minutes, replies).map { minute, reply in
            var counts = Minute(minute: minute)
            let values = reply.array ?? []
            for index in stride(from: 0, to: values.count - 1, by: 2) {
                guard let field = values[index].string, let amount = values[index + 1].int else { continue }
                let parts = field.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { continue }
                let (outcome, name) = (String(parts[1]), String(parts[2]))
                switch parts[0] {
                case "kind": counts.byKind[name, default: [:]][outcome, default: 0] += amount
                case "queue": counts.byQueue[name, default: [:]][outcome, default: 0] += amount
                default: continue
                }
            }
            return counts
        }
    }
}
