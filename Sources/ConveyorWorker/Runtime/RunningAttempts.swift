import ConveyorQueue
import Synchronization

/// The attempts this worker is running, with their deadlines. Whoever ends an attempt
/// other than by its own return (the timeout sweeper, a lost or unrenewable lease, a
/// cancel, shutdown) claims it here first, so exactly one party reports each attempt.
///
/// A claimed attempt's task is cancelled, but a job kind may ignore that: its attempt
/// stays here, holding its slot, until its task returns. One still running
/// ``zombieGrace`` after its claim is a *zombie*.
final class RunningAttempts: Sendable {
    /// Why an attempt was ended from outside.
    enum Fate: Sendable {
        case timedOut
        case leaseLost
        case cancelled
        case handedBack
    }

    struct Attempt: Sendable {
        let job: ReservedJob
        let context: JobContext
        let startedAt: ContinuousClock.Instant
        let wait: Duration
        let deadline: ContinuousClock.Instant?
        /// When the request that last set the lease's deadline in Redis was sent (the
        /// reserve, then each renewal): the lease lasts at least until then plus its length.
        var leaseSetAt: ContinuousClock.Instant
        /// Renewed at least once: Redis knows the attempt reached this worker.
        var isConfirmed = false
        /// Set just after the attempt is recorded.
        var task: Task<Void, Never>?
        var fate: Fate?
        var claimedAt: ContinuousClock.Instant?
        /// Counted as a zombie already.
        var isZombie = false
    }

    /// How long a claimed attempt's task has to return once cancelled before it counts as
    /// a zombie.
    static let zombieGrace = Duration.seconds(2)

    private let attempts = Mutex<[JobLease: Attempt]>([:])

    /// Records an attempt, then starts its task, so that the task cannot finish before its
    /// attempt is recorded. Starting a task may wake a thread, so it is not done under the
    /// lock that every attempt's end takes too; an attempt claimed in between has its task
    /// cancelled as soon as there is one.
    func start(
        job: ReservedJob, context: JobContext, startedAt: ContinuousClock.Instant, wait: Duration,
        leaseSetAt: ContinuousClock.Instant, task makeTask: () -> Task<Void, Never>
    ) {
        let deadline = job.timeout > .zero ? startedAt + job.timeout : nil
        attempts.withLock {
            $0[job.lease] = Attempt(job: job, context: context, startedAt: startedAt, wait: wait, deadline: deadline, leaseSetAt: leaseSetAt)
        }
        let task = makeTask()
        let claimed = attempts.withLock { attempts -> Bool in
            attempts[job.lease]?.task = task
            return attempts[job.lease]?.fate != nil
        }
        if claimed { task.cancel() }
    }

    /// Removes an attempt that returned: its fate, if someone claimed it first, and whether
    /// it had been counted a zombie.
    func finish(_ lease: JobLease) -> (fate: Fate?, wasZombie: Bool) {
        let attempt = attempts.withLock { $0.removeValue(forKey: lease) }
        return (attempt?.fate, attempt?.isZombie ?? false)
    }

    /// The leases still to renew.
    var activeLeases: [JobLease] {
        attempts.withLock { $0.values.filter { $0.fate == nil }.map(\.job.lease) }
    }

    /// The leases never renewed of the attempts started at or before `cutoff`.
    func unconfirmedLeases(startedBy cutoff: ContinuousClock.Instant) -> [JobLease] {
        attempts.withLock { $0.values.filter { $0.fate == nil && !$0.isConfirmed && $0.startedAt <= cutoff }.map(\.job.lease) }
    }

    /// Notes that a renewal sent at `sentAt` extended these leases.
    func renewed(_ leases: some Sequence<JobLease>, sentAt: ContinuousClock.Instant) {
        attempts.withLock { attempts in
            for lease in leases where attempts[lease] != nil {
                attempts[lease]!.leaseSetAt = max(attempts[lease]!.leaseSetAt, sentAt)
                attempts[lease]!.isConfirmed = true
            }
        }
    }

    /// Claims the unclaimed attempts past their deadline, and cancels them.
    func claimOverdue(at now: ContinuousClock.Instant) -> [Attempt] {
        claim(.timedOut, at: now) { attempt in attempt.deadline.map { $0 <= now } ?? false }
    }

    /// Claims the unclaimed attempts whose lease may end within `margin`: no renewal has
    /// reached Redis for `lease` less `margin`, and another worker may soon take their jobs.
    func claimUnrenewed(lease: Duration, margin: Duration, at now: ContinuousClock.Instant) -> [Attempt] {
        claim(.leaseLost, at: now) { $0.leaseSetAt + lease - margin <= now }
    }

    /// Claims the unclaimed attempts of these leases, and cancels them.
    func claim(_ fate: Fate, of leases: Set<JobLease>) -> [Attempt] {
        claim(fate, at: .now) { leases.contains($0.job.lease) }
    }

    /// Claims every unclaimed attempt, and cancels them.
    func claimAllForHandBack() -> [Attempt] {
        claim(.handedBack, at: .now) { _ in true }
    }

    /// Marks the claimed attempts still running ``zombieGrace`` after their claim as
    /// zombies; returns those newly marked.
    func markZombies(at now: ContinuousClock.Instant) -> [Attempt] {
        attempts.withLock { attempts in
            var new: [Attempt] = []
            for (lease, attempt) in attempts where !attempt.isZombie {
                guard let claimedAt = attempt.claimedAt, claimedAt + Self.zombieGrace <= now else { continue }
                attempts[lease]!.isZombie = true
                new.append(attempt)
            }
            return new
        }
    }

    /// No attempt is running, zombies included.
    var isEmpty: Bool {
        attempts.withLock { $0.isEmpty }
    }

    /// The zombies still running.
    var zombieCount: Int {
        attempts.withLock { $0.values.count(where: \.isZombie) }
    }

    private func claim(_ fate: Fate, at now: ContinuousClock.Instant, where matches: (Attempt) -> Bool) -> [Attempt] {
        let claimed = attempts.withLock { attempts in
            var claimed: [Attempt] = []
            for (lease, attempt) in attempts where attempt.fate == nil && matches(attempt) {
                attempts[lease]?.fate = fate
                attempts[lease]?.claimedAt = now
                claimed.append(attempt)
            }
            return claimed
        }
        for attempt in claimed { attempt.task?.cancel() }
        return claimed
    }
}
