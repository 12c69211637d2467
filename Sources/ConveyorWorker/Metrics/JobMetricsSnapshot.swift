import ConveyorCore
public import ConveyorRedis

/// The totals that every worker's ``JobMetricsTally`` has written to Redis, per job kind and
/// outcome: attempts and their run-time histogram, across all workers.
public struct JobMetricsSnapshot: Sendable, Equatable {
    /// The figures of one kind and outcome.
    public struct Series: Sendable, Equatable {
        public var kind: String
        public var outcome: String
        public var count: Int
        /// Run time of all those attempts, in seconds.
        public var sumSeconds: Double
        /// Attempts that ran at most each bucket's bound, in seconds; cumulative, as
        /// Prometheus has them. The unbounded bucket is ``count``.
        public var buckets: [(upperBound: Double, count: Int)]

        public static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.kind == rhs.kind && lhs.outcome == rhs.outcome && lhs.count == rhs.count && lhs.sumSeconds == rhs.sumSeconds
                && lhs.buckets.map(\.upperBound) == rhs.buckets.map(\.upperBound) && lhs.buckets.map(\.count) == rhs.buckets.map(\.count)
        }
    }

    /// By kind, then outcome.
    public var series: [Series]

    /// Reads the totals in one round trip.
    public static func read(from redis: RedisClient) async throws -> JobMetricsSnapshot {
        let reply = try await redis.send(RedisCommand("HGETALL", .string(JobMetricsTally.key)))
        struct Key: Hashable { var kind: String; var outcome: String }
        var totals: [Key: (count: Int, sum: Int, buckets: [Int])] = [:]
        let values = reply.array ?? []
        var index = 0
        while index + 1 < values.count {
            defer { index += 2 }
            guard let field = values[index].string, let amount = values[index + 1].int else { continue }
            let parts = field.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let key = Key(kind: String(parts[2]), outcome: String(parts[0]))
            var entry = totals[key] ?? (0, 0, [Int](repeating: 0, count: JobMetricsTally.runBuckets.count + 1))
            switch parts[1] {
            case "count": entry.count = amount
            case "sum_us": entry.sum = amount
            case let figure where figure.hasPrefix("b"):
                guard let bucket = Int(figure.dropFirst()), entry.buckets.indices.contains(bucket) else { continue }
                entry.buckets[bucket] = amount
            default: continue
            }
            totals[key] = entry
        }
        let series = totals.map { key, entry in
            var cumulative = 0
            let buckets = zip(JobMetricsTally.runBuckets, entry.buckets).map { bound, amount in
                cumulative += amount
                return (upperBound: Double(bound.microseconds) / 1_000_000, count: cumulative)
            }
            return Series(kind: key.kind, outcome: key.outcome, count: entry.count, sumSeconds: Double(entry.sum) / 1_000_000, buckets: buckets)
        }
        return JobMetricsSnapshot(series: series.sorted { ($0.kind, $0.outcome) < ($1.kind, $1.outcome) })
    }
}
