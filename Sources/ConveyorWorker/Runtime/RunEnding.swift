import Synchronization

/// The end of a batching loop's run: ``finish(ringing:)`` asks for it and waits until the
/// loop, having seen ``isRequested`` with nothing left to send, calls ``ended()``.
final class RunEnding: Sendable {
    private struct State {
        var isRequested = false
        var hasEnded = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isRequested: Bool { state.withLock { $0.isRequested } }

    /// Called by the loop as it returns: resumes those waiting in ``finish(ringing:)``.
    func ended() {
        let waiters = state.withLock { state in
            state.hasEnded = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Asks the loop to end, rings `bell` to wake it, and waits until it has ended.
    func finish(ringing bell: Doorbell) async {
        await withCheckedContinuation { continuation in
            let hasEnded = state.withLock { state in
                state.isRequested = true
                if !state.hasEnded { state.waiters.append(continuation) }
                return state.hasEnded
            }
            if hasEnded { continuation.resume() }
            bell.ring()
        }
    }
}
