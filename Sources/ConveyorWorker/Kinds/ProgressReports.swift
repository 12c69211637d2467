import ConveyorQueue
import Logging
import Synchronization

/// The progress reports of one attempt on their way to Redis. A kind may report thousands of
/// times a second, and Redis hears of it no more than every ``interval``, the first time an
/// interval after the first report: one write at a time, each of the latest report, the reports
/// in between replaced by the next. When the attempt ends, ``stopWrites()`` stops them and
/// ``takeLatest()`` hands over the last report, which the worker writes before it records the attempt's outcome
/// (a report after that is refused by the fence), in one round trip with other attempts' when
/// it succeeded; so an attempt shorter than an interval writes once, in a batch. Each write's
/// time is the attempt's `redis_ms`.
final class ProgressReports: Sendable {
    /// The least time between the starts of two writes of one attempt, and from its first report to its first write.
    static let interval = Duration.milliseconds(200)

    /// Where an attempt's reports go.
    struct Destination: Sendable {
        let queue: JobQueue
        let lease: JobLease
        let attempt: Int
        let timings: JobTimings
        let logger: Logger

        /// `progress` as this attempt's record.
        func record(_ progress: JobProgress) -> JobQueue.ProgressRecord {
            JobQueue.ProgressRecord(progress, of: lease, attempt: attempt)
        }

        /// Writes `progress`; false when the fence refused it. A Redis error loses this report
        /// (the next one may pass), and never the attempt.
        func write(_ progress: JobProgress) async -> Bool {
            let clock = ContinuousClock()
            let start = clock.now
            defer { timings.addRedis(start.duration(to: clock.now)) }
            do {
                return try await queue.recordProgress(progress, of: lease, attempt: attempt)
            } catch {
                logger.debug("a progress report was not written", metadata: ["error": "\(error)"])
                return true
            }
        }
    }

    /// An attempt whose lease was lost reports no more progress.
    struct LeaseLost: Error, CustomStringConvertible {
        var description: String { "the attempt no longer holds its lease: its progress is refused" }
    }

    private struct State {
        /// The latest report, not written yet.
        var latest: JobProgress?
        /// The task that writes reports while there are some to write.
        var writer: Task<Void, Never>?
        /// When the next write may begin.
        var nextWrite: ContinuousClock.Instant?
        /// The attempt has ended: what is left is handed over, not written.
        var finishing = false
        var refused = false
    }

    private let state = Mutex(State())

    /// Takes `progress` as the attempt's latest report, to be written when the previous write
    /// is over and ``interval`` has passed since it began (since the first report, before the first write).
    /// - Throws: ``LeaseLost`` once a write was refused.
    func report(_ progress: JobProgress, to destination: Destination) throws(LeaseLost) {
        try state.withLock { (state: inout State) throws(LeaseLost) in
            guard !state.refused else { throw LeaseLost() }
            state.latest = progress
            if state.nextWrite == nil { state.nextWrite = .now + Self.interval }
            if state.writer == nil {
                state.writer = Task { await self.write(to: destination) }
            }
        }
    }

    /// Stops the writes: answers the one in flight, cut short of its wait, which the attempt
    /// awaits before it takes the last report with ``takeLatest()``; nil when none is.
    func stopWrites() -> Task<Void, Never>? {
        let writer = state.withLock { state in
            state.finishing = true
            return state.writer
        }
        writer?.cancel()
        return writer
    }

    /// The latest report not written yet, if any (none once the fence refused one), once
    /// the writes have stopped.
    func takeLatest() -> JobProgress? {
        state.withLock { state in
            defer { state.latest = nil }
            return state.refused ? nil : state.latest
        }
    }

    /// Writes the latest report, again and again while new ones come, each when its time has
    /// come; ends when none is left, or when the attempt has ended.
    private func write(to destination: Destination) async {
        while true {
            let wait = state.withLock { state -> Duration? in
                guard let due = state.nextWrite, due > .now else { return nil }
                return ContinuousClock.now.duration(to: due)
            }
            if let wait { try? await Task.sleep(for: wait) }
            let next = state.withLock { state -> JobProgress? in
                guard !state.finishing, let latest = state.latest, !state.refused else {
                    if !state.finishing { state.latest = nil }
                    state.writer = nil
                    return nil
                }
                state.latest = nil
                state.nextWrite = .now + Self.interval
                return latest
            }
            guard let next else { return }
            // In a task of its own, which the cancellation that cuts the wait does not reach.
            if await !Task(operation: { await destination.write(next) }).value {
                state.withLock { $0.refused = true }
            }
        }
    }
}
