import ConveyorQueue

/// What an admin does with a job of a queue's schedule: queue it now, or cancel it. A cancel
/// is the engine's, as `DELETE /v1/jobs/{id}` makes it: the job never runs, and its page says
/// `cancelled` until its retention passes.
enum ScheduledJobAction: String, Sendable {
    case runNow = "run-now"
    case cancel

    /// Applies the action; false when the job was no longer waiting in the schedule.
    func apply(to id: JobID, in jobs: JobQueue) async throws -> Bool {
        switch self {
        case .runNow: try await jobs.runNow(id)
        case .cancel: try await jobs.cancel(id) == .cancelled
        }
    }

    /// What the page says once the action is done.
    var outcome: String {
        switch self {
        case .runNow: "queued now, behind the jobs already waiting"
        case .cancel: "cancelled: it will not run"
        }
    }
}
