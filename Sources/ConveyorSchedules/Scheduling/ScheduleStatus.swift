/// What Redis records about a schedule's ticks, for `conveyor schedules` and the logs.
/// Ticks are Unix seconds.
public struct ScheduleStatus: Sendable, Equatable {
    /// The latest tick dealt with (enqueued, or missed and skipped); nil before the first.
    public var lastTick: Int?
    /// The latest tick whose job was enqueued, and that job.
    public var lastEnqueuedTick: Int?
    public var lastJob: String?
    /// Ticks that passed while no scheduler ran, in all.
    public var missed: Int
    /// The latest of them.
    public var lastMissedTick: Int?

    public init(lastTick: Int? = nil, lastEnqueuedTick: Int? = nil, lastJob: String? = nil, missed: Int = 0, lastMissedTick: Int? = nil) {
        self.lastTick = lastTick
        self.lastEnqueuedTick = lastEnqueuedTick
        self.lastJob = lastJob
        self.missed = missed
        self.lastMissedTick = lastMissedTick
    }
}
