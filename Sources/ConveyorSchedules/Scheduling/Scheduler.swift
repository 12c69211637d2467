import ConveyorQueue
import Foundation
public import Logging
import Metrics
public import ServiceLifecycle

/// `conveyor scheduler`'s service: wakes at each schedule's next tick and hands it to a
/// ``TickDispatcher``; on start, catches up with ticks missed while no scheduler ran.
/// Stops between ticks on graceful shutdown.
public struct Scheduler: Service {
    public let schedules: [Schedule]
    public let dispatcher: TickDispatcher
    public let logger: Logger
    /// The wait before a tick whose dispatch failed (Redis unreachable, queue full) is tried again.
    public var retryDelay = 1

    public init(schedules: [Schedule], dispatcher: TickDispatcher, logger: Logger) {
        self.schedules = schedules
        self.dispatcher = dispatcher
        self.logger = logger
    }

    public func run() async throws {
        logger.info("scheduler started", metadata: ["schedules": "\(schedules.map(\.name).joined(separator: ","))"])
        // nil: deal with the schedule's latest tick now (at start, that is the catch-up).
        var nextTicks = [Int?](repeating: nil, count: schedules.count)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let now = Int(Date().timeIntervalSince1970.rounded(.down))
            for (index, schedule) in schedules.enumerated() where nextTicks[index].map({ $0 <= now }) ?? true {
                do {
                    if let outcome = try await dispatcher.dispatch(schedule, now: now) {
                        log(outcome, of: schedule)
                        count(outcome, of: schedule)
                    }
                    nextTicks[index] = schedule.cron.nextTick(after: now) ?? .max
                } catch {
                    logger.error("schedule tick failed", metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
                    Self.ticks(of: schedule, "failed").increment()
                    nextTicks[index] = now + retryDelay
                }
            }
            let wake = nextTicks.compactMap { $0 }.min() ?? .max
            let delay = min(Double(wake) - Date().timeIntervalSince1970, 3600)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(max(delay, 0))) }
        }
        logger.info("scheduler stopped")
    }

    /// Counts in `conveyor_schedule_ticks_total` the ticks whose jobs this scheduler enqueued
    /// and recorded (`enqueued`), those another scheduler had recorded first
    /// (`taken_by_another`), and the missed ones.
    private func count(_ outcome: TickOutcome, of schedule: Schedule) {
        guard outcome.recorded else {
            Self.ticks(of: schedule, "taken_by_another").increment()
            return
        }
        if !outcome.jobs.isEmpty { Self.ticks(of: schedule, "enqueued").increment(by: outcome.jobs.count) }
        if outcome.missed > 0 { Self.ticks(of: schedule, "missed").increment(by: outcome.missed) }
    }

    private static func ticks(of schedule: Schedule, _ outcome: String) -> Counter {
        Counter(label: "conveyor_schedule_ticks_total", dimensions: [("schedule", schedule.name), ("outcome", outcome)])
    }

    private func log(_ outcome: TickOutcome, of schedule: Schedule) {
        guard outcome.recorded else { return }
        var metadata: Logger.Metadata = ["schedule": "\(schedule.name)", "tick": "\(outcome.tick)"]
        if !outcome.jobs.isEmpty { metadata["job_ids"] = "\(outcome.jobs.map(\.description).joined(separator: ","))" }
        if outcome.missed > 0 {
            metadata["missed"] = "\(outcome.missed)"
            metadata["policy"] = "\(schedule.missedTicks.rawValue)"
            logger.warning("schedule missed ticks", metadata: metadata)
        } else if outcome.firstSeen, outcome.jobs.isEmpty {
            // Its latest tick was past the grace when the schedule appeared: recorded, so that the
            // next scheduler counts no miss, but not run.
            logger.info("schedule first seen", metadata: metadata)
        } else {
            logger.info("schedule fired", metadata: metadata)
        }
    }
}
