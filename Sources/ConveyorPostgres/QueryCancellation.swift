/// Carries a task's cancellation to the pool thread that runs its libpq call.
///
/// The thread cannot be interrupted while it waits for the server, so it looks at this flag between
/// polls of the socket and, once, sends PostgreSQL a cancel request for the running statement. Doing
/// that on the same thread, before the call returns, guarantees that the request can never reach a
/// later statement of whoever leases the connection next.
final class QueryCancellation: Sendable {
    private enum State {
        case running
        case cancelled
        case requestSent
    }

    private let state = LockedValue(State.running)

    /// Marks the operation as cancelled; called from the task's cancellation handler.
    func cancel() {
        self.state.withLock { state in
            if case .running = state { state = .cancelled }
        }
    }

    /// Whether the task was cancelled, whether or not a cancel request went out.
    var isCancelled: Bool {
        self.state.withLock { state in
            if case .running = state { return false }
            return true
        }
    }

    /// True exactly once after cancellation: the caller then sends the cancel request.
    func takeCancelRequest() -> Bool {
        self.state.withLock { state in
            guard case .cancelled = state else { return false }
            state = .requestSent
            return true
        }
    }
}
