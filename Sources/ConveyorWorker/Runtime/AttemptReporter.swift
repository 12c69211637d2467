import ConveyorCore
import ConveyorQueue
import Logging
import Metrics
import Synchronization

/// Writes one JSON timing line per attempt, feeds the same figures to swift-metrics,
/// counts the attempt in the tally that all workers share through Redis, and adds its row
/// to the job history's next batch.
final class AttemptReporter: Sendable {
    /// The timing logger, with this worker's id in its metadata.
    private let logger: Logger
    private let instruments = Mutex<[InstrumentKey: Instruments]>([:])

    private struct InstrumentKey: Hashable {
        var kind: String
        var queue: String
        var outcome: String
    }

    private struct Instruments: Sendable {
        let attempts: Counter
        let wait: Metrics.Timer
        let run: Metrics.Timer
        let databasePoolWait: Metrics.Timer
        let database: Metrics.Timer
        let external: Metrics.Timer
        let redis: Metrics.Timer
        let rows: Counter

        init(_ key: InstrumentKey) {
            let dimensions = [("kind", key.kind), ("queue", key.queue), ("outcome", key.outcome)]
            attempts = Counter(label: "conveyor_job_attempts_total", dimensions: dimensions)
            wait = Metrics.Timer(label: "conveyor_job_wait_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            run = Metrics.Timer(label: "conveyor_job_run_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            databasePoolWait = Metrics.Timer(label: "conveyor_job_db_pool_wait_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            database = Metrics.Timer(label: "conveyor_job_db_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            external = Metrics.Timer(label: "conveyor_job_external_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            redis = Metrics.Timer(label: "conveyor_job_redis_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            rows = Counter(label: "conveyor_job_rows_total", dimensions: dimensions)
        }
    }

    private let tally: JobMetricsTally
    private let history: JobHistoryWriter
    /// The metadata key of an attempt's fields, which ``JSONLogHandler`` writes as members of the line.
    static let timingKey = "attempt_timing"

    init(logger: Logger, worker: String, tally: JobMetricsTally, history: JobHistoryWriter) {
        var logger = logger
        logger[metadataKey: "worker"] = .string(worker)
        self.logger = logger
        self.tally = tally
        self.history = history
    }

    func report(_ report: AttemptReport) {
        let figures = report.figures
        let level: Logger.Level = report.outcome == .succeeded ? .info : .warning
        logger.log(level: level, "job attempt", metadata: [Self.timingKey: .stringConvertible(AttemptTimingLine(report: report))])

        tally.record(kind: report.job.kind, queue: report.job.id.queue.rawValue, outcome: report.outcome.rawValue, run: report.run)
        history.record(
            JobHistoryWriter.Entry(
                job: report.job.id, attempt: report.job.attempt, kind: report.job.kind, tenant: report.job.tenant,
                requestID: report.job.requestID, outcome: report.outcome.rawValue, state: report.state, waitMicroseconds: report.wait.microseconds,
                runMicroseconds: report.run.microseconds, phases: report.figures, finishedAt: report.job.reservedAt + report.wait + report.run
            )
        )

        let key = InstrumentKey(kind: report.job.kind, queue: report.job.id.queue.rawValue, outcome: report.outcome.rawValue)
        let instruments = self.instruments.withLock { cache in
            if let found = cache[key] { return found }
            let made = Instruments(key)
            cache[key] = made
            return made
        }
        instruments.attempts.increment()
        instruments.wait.record(duration: report.wait)
        instruments.run.record(duration: report.run)
        // A phase's histogram counts the attempts that spent time in it: most kinds use few of
        // the phases, and a zero would only fill the first bucket at the cost of a record.
        if figures.databasePoolWait > .zero { instruments.databasePoolWait.record(duration: figures.databasePoolWait) }
        if figures.database > .zero { instruments.database.record(duration: figures.database) }
        if figures.external > .zero { instruments.external.record(duration: figures.external) }
        if figures.redis > .zero { instruments.redis.record(duration: figures.redis) }
        if figures.rows > 0 { instruments.rows.increment(by: figures.rows) }
    }
}
