/// Thrown by a handler that cannot do its work yet for a reason outside the job, such as
/// a dependency whose circuit breaker is open: the job goes back on the schedule until
/// `until` without spending an attempt, instead of failing. ``ExternalCalls`` throws it
/// when a breaker refuses a call.
public struct JobDeferral: Error, Sendable, CustomStringConvertible {
    /// When to try the job again, on the Redis clock.
    public var until: Timestamp
    public var reason: String

    public init(until: Timestamp, reason: String) {
        self.until = until
        self.reason = reason
    }

    public var description: String { "deferred until \(until): \(reason)" }
}
