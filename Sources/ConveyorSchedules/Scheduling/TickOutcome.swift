public import ConveyorQueue

/// What a scheduler did about a schedule's ticks due since the last recorded one.
public struct TickOutcome: Sendable, Equatable {
    /// The latest due tick, in Unix seconds, now recorded.
    public var tick: Int
    /// The jobs enqueued (or found enqueued already), oldest tick first: the ticks on time,
    /// or the latest missed one under ``MissedTickPolicy/runOnce``; when ``recorded``, only
    /// those of ticks after the one recorded before.
    public var jobs: [JobID]
    /// Ticks found missed: older than the grace and never recorded.
    public var missed: Int
    /// Whether this scheduler was the one to record the tick; others that dealt with the
    /// same tick sent the same job id, which the queue ignored.
    public var recorded: Bool
    /// Whether no tick of the schedule was recorded before: its ticks before this one were
    /// never due, and this one runs only if it is within the grace.
    public var firstSeen: Bool
}
