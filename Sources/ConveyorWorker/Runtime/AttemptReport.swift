import ConveyorQueue

/// How one attempt ended, as its timing line and metrics tell it.
struct AttemptReport: Sendable {
    /// What happened to the attempt.
    enum Outcome: String, Sendable {
        case succeeded
        case failed
        case timedOut = "timed_out"
        /// Another party now owns the job: the lease expired, or Redis refused the call.
        case leaseLost = "lease_lost"
        /// The worker stopped before the attempt finished and returned the job to its queue.
        case handedBack = "handed_back"
        /// The handler could not start its work (a dependency's breaker was open): the job
        /// went back on the schedule without spending the attempt.
        case deferred
        /// The job was cancelled while it ran; it will not run again.
        case cancelled
        /// The job's deadline had passed when a worker took it: it was cancelled unrun.
        case expired
        /// The attempt, already reported as ended (timed out, lease lost, cancelled), did
        /// not stop when told to: it still holds its slot, and runs on beside whatever the
        /// job does next.
        case zombie
    }

    var job: ReservedJob
    var outcome: Outcome
    /// The job's state after the attempt: succeeded, retrying, dead, queued, scheduled, cancelled, or unknown
    /// when Redis could not be told.
    var state: String
    var wait: Duration
    var run: Duration
    var figures: JobTimings.Figures
    var error: String?
}
