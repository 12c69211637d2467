import Synchronization

/// Tells the ready-list watchers when the fetch loop has gone idle (found no job), so
/// they block on Redis for new work only then. Each idle spell has a new generation: a
/// watcher that has rung for one spell waits for the next.
final class IdleGate: Sendable {
    private struct State {
        var idle = false
        var closed = false
        var generation = 0
        var waiters: [CheckedContinuation<Int?, Never>] = []
    }

    private let state = Mutex(State())

    /// The fetch loop found nothing and waits.
    func enterIdle() {
        let (generation, waiters) = state.withLock { state in
            state.idle = true
            state.generation += 1
            defer { state.waiters = [] }
            return (state.generation, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: generation) }
    }

    /// The fetch loop is taking jobs again.
    func leaveIdle() {
        state.withLock { $0.idle = false }
    }

    /// Ends every wait, now and later: the worker is stopping.
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Waits until the fetch loop is idle in a generation of at least `generation`;
    /// returns that generation, or `nil` once the gate is closed.
    func waitForIdle(from generation: Int) async -> Int? {
        await withCheckedContinuation { continuation in
            let answer = state.withLock { state -> Int?? in
                if state.closed { return .some(nil) }
                if state.idle && state.generation >= generation { return .some(state.generation) }
                state.waiters.append(continuation)
                return .none
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }
}
