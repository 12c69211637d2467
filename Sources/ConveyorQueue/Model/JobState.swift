/// Where a job is in its life: `scheduled → queued → running → succeeded`, or through
/// `retrying` back to `queued`, or to `dead`; `cancelled` before it starts. A batch's job
/// that comes after others is `waiting` until they have succeeded.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting for its `run_at`.
    case scheduled
    /// Waiting until the jobs of its batch that it comes after have succeeded.
    case waiting
    /// In the queue, ready for a worker.
    case queued
    /// Leased to a worker.
    case running
    /// Finished without error.
    case succeeded
    /// Failed an attempt; waiting for its next one.
    case retrying
    /// Out of attempts, or failed permanently; kept in the dead set.
    case dead
    /// Cancelled before it ran.
    case cancelled

    /// True when nothing will happen to the job any more (until someone retries it from dead).
    public var isFinal: Bool {
        switch self {
        case .succeeded, .dead, .cancelled: true
        case .scheduled, .waiting, .queued, .running, .retrying: false
        }
    }
}
