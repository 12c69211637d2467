import ConveyorQueue
import Logging
import Synchronization

/// Sends the limit calls of a worker's attempts to Redis in batches: while one batch is in
/// flight the next one fills, so that attempts starting together take their slots and count
/// their starts in one round trip, as completions are written (see ``CompletionBatcher``).
/// It also keeps the slots its attempts hold: renews them all, a third of a lease apart, in
/// one round trip, and gives back those of ended attempts with the next batch, so that an
/// attempt holds a slot at no cost of its own beyond the call that took it.
final class LimitCallBatcher: Sendable {
    private struct Waiting {
        var call: KindLimiter.Call
        var continuation: CheckedContinuation<KindLimiter.Answer, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var releases: [KindLimiter.Slot] = []
        var held: Set<KindLimiter.Slot> = []
        /// ``run()`` has returned: later calls fail at once.
        var hasEnded = false
    }

    /// Why a call made once the batcher has stopped fails.
    struct Stopped: Error, CustomStringConvertible {
        var description: String { "the worker is stopping: its limit calls are no longer sent" }
    }

    private let limiter: KindLimiter
    /// How long a slot is held past its last renewal: an attempt's lease.
    private let lease: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let bell = Doorbell()
    private let ending = RunEnding()

    init(limiter: KindLimiter, lease: Duration, logger: Logger) {
        self.limiter = limiter
        self.lease = lease
        self.logger = logger
    }

    /// Takes `slot` for its attempt, which holds it, renewed, until ``release(_:)``.
    /// - Returns: false when every slot of the limit is held by other attempts.
    func hold(_ slot: KindLimiter.Slot) async throws -> Bool {
        guard case .held(let held) = try await send(.hold(slot, lease: lease)) else { return false }
        if held { state.withLock { _ = $0.held.insert(slot) } }
        return held
    }

    /// Counts an attempt's start against its rate limit.
    /// - Returns: nil when the attempt may start, or how long until the window has room.
    func count(_ start: KindLimiter.Start) async throws -> Duration? {
        guard case .counted(let wait) = try await send(.count(start)) else { return nil }
        return wait
    }

    /// Gives `slot` back with the next batch, and stops renewing it. A slot whose release
    /// cannot be written frees itself a lease after its last renewal.
    func release(_ slot: KindLimiter.Slot) {
        state.withLock { state in
            state.held.remove(slot)
            state.releases.append(slot)
        }
        bell.ring()
    }

    private func send(_ call: KindLimiter.Call) async throws -> KindLimiter.Answer {
        try await withCheckedThrowingContinuation { continuation in
            let refused = state.withLock { state in
                if !state.hasEnded { state.waiting.append(Waiting(call: call, continuation: continuation)) }
                return state.hasEnded
            }
            if refused {
                continuation.resume(throwing: Stopped())
            } else {
                bell.ring()
            }
        }
    }

    /// Sends batches until ``finish()`` is called and nothing is waiting, or the task is cancelled.
    func run() async {
        let clock = ContinuousClock()
        let renewalInterval = lease / 3
        var nextRenewal = clock.now + renewalInterval
        while true {
            let renewing = clock.now >= nextRenewal
            if renewing { nextRenewal = clock.now + renewalInterval }
            let (waiting, releases, renewals, ends) = state.withLock { state in
                defer {
                    state.waiting = []
                    state.releases = []
                }
                // Decided under the lock that calls are added under, so that none comes in after.
                let ends = (ending.isRequested || Task.isCancelled) && state.waiting.isEmpty && state.releases.isEmpty
                if ends { state.hasEnded = true }
                return (state.waiting, state.releases, renewing ? Array(state.held) : [], ends)
            }
            if ends {
                ending.ended()
                return
            }
            if waiting.isEmpty, releases.isEmpty, renewals.isEmpty {
                await bell.wait(upTo: nextRenewal - clock.now)
                continue
            }
            let calls = waiting.map(\.call) + releases.map { .release($0) } + renewals.map { .hold($0, lease: lease) }
            do {
                let answers = try await limiter.run(calls)
                for (waiter, answer) in zip(waiting, answers) { waiter.continuation.resume(returning: answer) }
            } catch {
                // The attempts that asked fail, to be retried; releases and renewals are not sent again.
                logger.warning(
                    "cannot reach the kinds' limits", metadata: ["calls": "\(calls.count)", "error": "\(error)"]
                )
                for waiter in waiting { waiter.continuation.resume(throwing: error) }
            }
        }
    }

    /// Lets ``run()`` return once the calls waiting and the releases are sent, and waits until it has.
    func finish() async {
        await ending.finish(ringing: bell)
    }
}
