import ConveyorCore
public import ConveyorRedis
import Synchronization

/// Per job kind and outcome: attempts, and a histogram of their run times, added up in
/// memory as attempts end and written to one Redis hash every second, where they sum
/// across all workers (``JobMetricsSnapshot`` reads them for `/metrics`). An attempt costs
/// one lock and a few additions; Redis sees one pipeline per worker per second.
///
/// The hash holds running totals, field `outcome|figure|kind` (the kind last, as the only
/// part that may hold a `|`): `count`, `sum_us` (run time in microseconds), and `b0`…`bN`,
/// the attempts whose run time fell in each bucket of ``runBuckets`` (not cumulative).
///
/// The same pipeline adds each second's attempts to the minute's counts per kind and per
/// queue, which ``JobMetricsHistory`` keeps for a day and the dashboard draws.
public final class JobMetricsTally: Sendable {
    /// The Redis hash the totals of every worker go to.
    public static let key = "conveyor:metrics:jobs"
    /// Upper bounds of the run-time buckets; a last, unbounded one follows them.
    public static let runBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    private struct Series: Hashable {
        var kind: String
        var queue: String
        var outcome: String
    }

    private struct Counts {
        var count = 0
        var sumMicroseconds: Int64 = 0
        var buckets = [Int](repeating: 0, count: JobMetricsTally.runBuckets.count + 1)

        mutating func add(bucket: Int, microseconds: Int64) {
            count += 1
            sumMicroseconds += microseconds
            buckets[bucket] += 1
        }

        mutating func merge(_ other: Counts) {
            count += other.count
            sumMicroseconds += other.sumMicroseconds
            for index in buckets.indices { buckets[index] += other.buckets[index] }
        }
    }

    private let redis: RedisClient
    private let interval: Duration
    private let unwritten = Mutex<[Series: Counts]>([:])

    /// - Parameter interval: how often ``run()`` writes the totals to Redis.
    public init(redis: RedisClient, interval: Duration = .seconds(1)) {
        self.redis = redis
        self.interval = interval
    }

    /// Counts one attempt of `kind`, taken from `queue`, that ended with `outcome` after
    /// running for `run`.
    public func record(kind: String, queue: String, outcome: String, run: Duration) {
        let bucket = Self.bucket(of: run)
        let microseconds = run.microseconds
        unwritten.withLock { tally in
            tally[Series(kind: kind, queue: queue, outcome: outcome), default: Counts()].add(bucket: bucket, microseconds: microseconds)
        }
    }

    /// Writes what was counted since the last write to Redis. If Redis cannot take it, the
    /// counts are kept for the next write.
    public func flush() async throws {
        let taken = unwritten.withLock { tally in
            defer { tally.removeAll(keepingCapacity: true) }
            return tally
        }
        guard !taken.isEmpty else { return }
        var history = JobMetricsHistory.Counts()
        var commands: [RedisCommand] = []
        for (series, counts) in taken {
            let suffix = "|" + series.kind
            func add(_ figure: String, _ amount: Int) {
                guard amount != 0 else { return }
                commands.append(RedisCommand("HINCRBY", .string(Self.key), .string(series.outcome + "|" + figure + suffix), .integer(amount)))
            }
            add("count", counts.count)
            add("sum_us", Int(counts.sumMicroseconds))
            for (index, amount) in counts.buckets.enumerated() { add("b\(index)", amount) }
            history.add(counts.count, kind: series.kind, queue: series.queue, outcome: series.outcome)
        }
        commands += history.commands(minute: JobMetricsHistory.minute(of: .localNow))
        do {
            _ = try await redis.pipeline(commands)
        } catch {
            unwritten.withLock { tally in
                for (series, counts) in taken { tally[series, default: Counts()].merge(counts) }
            }
            throw error
        }
    }

    /// Writes the counts every interval until the task is cancelled; a worker that stops
    /// calls ``flush()`` once more for the last interval's.
    public func run() async {
        while (try? await Task.sleep(for: interval)) != nil {
            try? await flush()
        }
    }

    /// The index of the bucket `run` falls in.
    static func bucket(of run: Duration) -> Int {
        var low = 0
        var high = runBuckets.count
        while low < high {
            let middle = (low + high) / 2
            if run <= runBuckets[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
