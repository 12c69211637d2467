public import ConveyorQueue

/// Deals with a schedule's latest due tick: enqueues its job, or records it missed.
///
/// Any number of schedulers may deal with the same tick at once; it is enqueued once
/// because each sends the same job id (``Schedule/jobID(forTick:)``) and the queue keeps a
/// job id's first enqueue and ignores the others. No lock is taken: a scheduler killed
/// between the enqueue and the record leaves a tick that the next one enqueues again, to
/// the same effect.
public struct TickDispatcher: Sendable {
    public let queue: JobQueue
    public let store: ScheduleStore
    /// How long after its time a tick is still on time. A tick older than this, not yet
    /// recorded, passed while no scheduler ran: it is missed, and the schedule's
    /// ``MissedTickPolicy`` decides whether it runs.
    public let grace: Int

    /// Missed ticks are counted up to this many; a schedule that fires every second and
    /// was stopped for a month reports this many.
    static let missedCountLimit = 100_000

    public init(queue: JobQueue, store: ScheduleStore, grace: Duration) {
        self.queue = queue
        self.store = store
        self.grace = Int(grace.components.seconds)
    }

    /// Deals with the ticks of `schedule` up to `now` (Unix seconds) not recorded yet: those
    /// within the grace are enqueued; older ones were missed, and are counted and dealt with
    /// per the schedule's ``MissedTickPolicy``. Nil when there is nothing new.
    public func dispatch(_ schedule: Schedule, now: Int) async throws -> TickOutcome? {
        let cron = schedule.cron
        guard let tick = cron.latestTick(atOrBefore: now) else { return nil }
        let last = try await store.status(of: schedule.name).lastTick
        if let last, tick <= last { return nil }

        // A tick at or before this one is late.
        let lastLateInstant = now - grace - 1
        var due: [Int] = []
        var missed = 0
        var lastMissedTick: Int?
        if let last {
            var next = cron.nextTick(after: max(last, lastLateInstant))
            while let onTime = next, onTime <= tick {
                due.append(onTime)
                next = cron.nextTick(after: onTime)
            }
            if let latestLate = cron.latestTick(atOrBefore: lastLateInstant), latestLate > last {
                missed = 1 + cron.tickCount(after: last, before: latestLate, limit: Self.missedCountLimit)
                lastMissedTick = latestLate
                if let found = try await queue.job(schedule.jobID(forTick: latestLate)), !Schedule.isMissedTickRequest(found.requestID) {
                    // Enqueued on time by a scheduler stopped before it could record the tick: not
                    // missed. (A catch-up job found here is another scheduler's, dealing with the
                    // same miss at the same moment: the tick is missed for both.)
                    missed -= 1
                    lastMissedTick = missed > 0 ? cron.latestTick(atOrBefore: latestLate - 1) : nil
                    if due.isEmpty { due = [latestLate] }
                } else if due.isEmpty, schedule.missedTicks == .runOnce {
                    // The latest missed tick runs once, unless a tick on time runs now anyway.
                    due = [latestLate]
                }
            }
        } else if tick > lastLateInstant {
            // A schedule seen for the first time: its ticks before now were never due.
            due = [tick]
        }

        if !due.isEmpty {
            try await queue.enqueue(due.map { schedule.job(forTick: $0, missed: $0 == lastMissedTick) })
        }
        let recording = try await store.record(
            tick: tick, of: schedule.name, job: due.last.map { schedule.jobID(forTick: $0).description }, missed: missed,
            lastMissedTick: lastMissedTick, now: now
        )
        // A scheduler that read the last tick before another recorded a later one enqueued that
        // one's job again (the queue ignored it): the jobs it reports are those of the ticks after
        // the one recorded before its own, each reported by one scheduler.
        guard case .recorded(let previous) = recording else {
            return TickOutcome(tick: tick, jobs: due.map(schedule.jobID(forTick:)), missed: missed, recorded: false, firstSeen: last == nil)
        }
        let reported = due.filter { dueTick in previous.map { dueTick > $0 } ?? true }
        return TickOutcome(tick: tick, jobs: reported.map(schedule.jobID(forTick:)), missed: missed, recorded: true, firstSeen: last == nil)
    }
}
