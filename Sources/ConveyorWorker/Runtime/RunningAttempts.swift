import ConveyorQueue
import Synchronization

/// The attempts this worker is running, with their deadlines. Whoever ends an attempt
/// other than by its own return (the timeout sweeper, a lost lease, shutdown) claims it
/// here first, so exactly one party reports each attempt.
final class RunningAttempts: Sendable {
    /// Why an attempt was ended from outside.
    enum Fate: Sendable {
        case timedOut
        case leaseLost
        case handedBack
    }

    struct Attempt: Sendable {
        let job: ReservedJob
        let context: JobContext
        let startedAt: ContinuousClock.Instant
        let wait: Duration
        let deadline: ContinuousClock.Instant?
        /// Set just after the attempt is recorded.
        var task: Task<Void, Never>?
        var fate: Fate?
    }

    private let attempts = Mutex<[JobLease: Attempt]>([:])

    /// Records an attempt, then starts its task, so that the task cannot finish before its
    /// attempt is recorded. Starting a task may wake a thread, so it is not done under the
    /// lock that every attempt's end takes too; an attempt claimed in between has its task
    /// cancelled as soon as there is one.
    func start(
        job: ReservedJob, context: JobContext, startedAt: ContinuousClock.Instant, wait: Duration,
        task makeTask: () -> Task<Void, Never>
    ) {
        let deadline = job.timeout > .zero ? startedAt + job.timeout : nil
        attempts.withLock {
            $0[job.lease] = Attempt(job: job, context: context, startedAt: startedAt, wait: wait, deadline: deadline)
        }
        let task = makeTask()
        let claimed = attempts.withLock { attempts -> Bool in
            attempts[job.lease]?.task = task
            return attempts[job.lease]?.fate != nil
        }
        if claimed { task.cancel() }
    }

    /// Removes an attempt that returned; its fate, if someone claimed it first.
    func finish(_ lease: JobLease) -> Fate? {
        attempts.withLock { $0.removeValue(forKey: lease)?.fate }
    }

    /// The leases still to renew.
    var activeLeases: [JobLease] {
        attempts.withLock { $0.values.filter { $0.fate == nil }.map(\.job.lease) }
    }

    /// Claims the unclaimed attempts past their deadline, and cancels them.
    func claimOverdue(at now: ContinuousClock.Instant) -> [Attempt] {
        claim(.timedOut) { attempt in attempt.deadline.map { $0 <= now } ?? false }
    }

    /// Claims the unclaimed attempts of the given jobs, and cancels them.
    func claimLost(_ ids: Set<JobID>) -> [Attempt] {
        claim(.leaseLost) { ids.contains($0.job.id) }
    }

    /// Claims every unclaimed attempt, and cancels them.
    func claimAllForHandBack() -> [Attempt] {
        claim(.handedBack) { _ in true }
    }

    private func claim(_ fate: Fate, where matches: (Attempt) -> Bool) -> [Attempt] {
        let claimed = attempts.withLock { attempts in
            var claimed: [Attempt] = []
            for (lease, attempt) in attempts where attempt.fate == nil && matches(attempt) {
                attempts[lease]?.fate = fate
                claimed.append(attempt)
            }
            return claimed
        }
        for attempt in claimed { attempt.task?.cancel() }
        return claimed
    }
}
