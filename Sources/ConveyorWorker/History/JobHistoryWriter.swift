import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import Logging
import Metrics
import Synchronization

/// Appends one row per finished attempt to `conveyor_job_history`, in batches: an attempt
/// adds an entry to a buffer in memory (one lock, no formatting, no allocation beyond the
/// buffer's growth), and ``run()`` writes the buffer with one `COPY` about every second,
/// or as soon as it holds ``batchRows`` entries; the worker calls ``flush()`` once more
/// when it stops. Writing at a row count keeps a busy worker's buffers small: a second of
/// rows at tens of thousands of jobs a second is megabytes, and the allocator keeps what
/// such bursts once took.
///
/// The rows are statistics, not state (the job lives in Redis), so the buffer is bounded:
/// while PostgreSQL cannot take them, entries beyond ``capacity`` are dropped and counted
/// (`conveyor_job_history_dropped_total`), with one log line when writes start failing and
/// one when they resume.
final class JobHistoryWriter: Sendable {
    /// One finished attempt, as reported; turned into COPY text only when flushed.
    struct Entry: Sendable {
        var job: JobID
        var attempt: Int
        var kind: String
        var tenant: String
        /// The request id the job was enqueued with.
        var requestID: String
        var outcome: String
        var state: String
        var waitMicroseconds: Int64
        var runMicroseconds: Int64
        /// The attempt's phases, as in its timing line.
        var phases: JobTimings.Figures
        /// On the Redis clock, as the job's other times.
        var finishedAt: Timestamp
    }

    private struct Buffer {
        var entries: [Entry] = []
        var dropped = 0
        /// Writes are failing; logged once until they succeed again.
        var isFailing = false
    }

    static let copyStatement = """
        COPY conveyor_job_history (
            job_id, attempt, kind, queue, tenant, request_id, outcome, state, wait_ms, run_ms, db_pool_wait_ms, db_ms, external_ms, redis_ms,
            finished_at
        ) FROM STDIN
        """

    /// The most entries kept while PostgreSQL cannot take them: a few seconds of a fast worker.
    let capacity: Int
    /// The entries that start a write before the interval is over.
    let batchRows: Int
    private let database: PostgresPool
    private let logger: Logger
    private let interval: Duration
    private let buffer = Mutex(Buffer())
    private let batchFilled = Doorbell()
    private let droppedCounter = Counter(label: "conveyor_job_history_dropped_total")

    init(
        database: PostgresPool,
        logger: Logger,
        capacity: Int = 200_000,
        batchRows: Int = 4_096,
        interval: Duration = .seconds(1)
    ) {
        self.database = database
        self.logger = logger
        self.capacity = capacity
        self.batchRows = batchRows
        self.interval = interval
    }

    /// Adds an attempt's row to the next batch; drops it when the buffer is full.
    func record(_ entry: Entry) {
        let (accepted, filled) = buffer.withLock { buffer in
            guard buffer.entries.count < capacity else {
                buffer.dropped += 1
                return (false, false)
            }
            buffer.entries.append(entry)
            return (true, buffer.entries.count == batchRows)
        }
        if !accepted { droppedCounter.increment() }
        if filled { batchFilled.ring() }
    }

    /// Writes the batch every interval, or once it is full, until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            await batchFilled.wait(upTo: interval)
            guard !Task.isCancelled else { return }
            try? await flush()
        }
    }

    /// Writes what was recorded since the last write with one COPY. If PostgreSQL cannot take
    /// it, the entries are kept for the next write, as many as ``capacity`` allows.
    func flush() async throws {
        let batch = buffer.withLock { buffer in
            defer { buffer.entries = [] }
            return buffer.entries
        }
        guard !batch.isEmpty else { return }
        let text = Self.copyText(batch)
        do {
            let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
            continuation.yield(text)
            continuation.finish()
            _ = try await database.withConnection { connection in try await connection.copyIn(Self.copyStatement, from: chunks) }
        } catch {
            keep(batch, after: error)
            throw error
        }
        let (recovered, dropped) = buffer.withLock { buffer in
            defer {
                buffer.isFailing = false
                buffer.dropped = 0
            }
            return (buffer.isFailing, buffer.dropped)
        }
        if recovered {
            logger.info("job history written to PostgreSQL again", metadata: ["dropped_rows": "\(dropped)"])
        }
    }

    /// Puts a batch that could not be written back in front of the newer entries.
    private func keep(_ batch: [Entry], after error: any Error) {
        let (firstFailure, dropped) = buffer.withLock { buffer in
            let room = max(0, capacity - buffer.entries.count)
            let kept = batch.suffix(room)
            buffer.entries.insert(contentsOf: kept, at: 0)
            buffer.dropped += batch.count - kept.count
            defer { buffer.isFailing = true }
            return (!buffer.isFailing, batch.count - kept.count)
        }
        if dropped > 0 { droppedCounter.increment(by: dropped) }
        if firstFailure {
            logger.warning(
                "cannot write the job history to PostgreSQL; keeping up to \(capacity) rows and dropping the rest until it can",
                metadata: ["error": "\(error)"]
            )
        }
    }

    // MARK: COPY text

    /// The rows in COPY's text format: tab-separated, one line each.
    static func copyText(_ entries: [Entry]) -> [UInt8] {
        var text = [UInt8]()
        text.reserveCapacity(entries.count * 240)
        for entry in entries {
            appendField(entry.job.description, to: &text)
            appendInteger(Int64(entry.attempt), to: &text)
            appendField(entry.kind, to: &text)
            appendField(entry.job.queue.rawValue, to: &text)
            appendField(entry.tenant, to: &text)
            appendField(entry.requestID, to: &text)
            appendField(entry.outcome, to: &text)
            appendField(entry.state, to: &text)
            appendMilliseconds(entry.waitMicroseconds, to: &text)
            appendMilliseconds(entry.runMicroseconds, to: &text)
            appendMilliseconds(entry.phases.databasePoolWait.microseconds, to: &text)
            appendMilliseconds(entry.phases.database.microseconds, to: &text)
            appendMilliseconds(entry.phases.external.microseconds, to: &text)
            appendMilliseconds(entry.phases.redis.microseconds, to: &text)
            entry.finishedAt.appendUTC(to: &text, separator: UInt8(ascii: " "))
            text.append(contentsOf: "+00\t".utf8)
            text[text.count - 1] = UInt8(ascii: "\n")
        }
        return text
    }

    /// The field and a tab, with COPY's escapes for a backslash and control characters.
    private static func appendField(_ value: String, to text: inout [UInt8]) {
        CopyText.append(value, to: &text)
        text.append(UInt8(ascii: "\t"))
    }

    private static func appendInteger(_ value: Int64, to text: inout [UInt8]) {
        text.append(contentsOf: String(value).utf8)
        text.append(UInt8(ascii: "\t"))
    }

    /// Microseconds as milliseconds with three decimals.
    private static func appendMilliseconds(_ microseconds: Int64, to text: inout [UInt8]) {
        let value = max(0, microseconds)
        text.append(contentsOf: String(value / 1000).utf8)
        text.append(UInt8(ascii: "."))
        appendDigits(value % 1000, count: 3, to: &text)
        text.append(UInt8(ascii: "\t"))
    }

    private static func appendDigits(_ value: Int64, count: Int, to text: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
