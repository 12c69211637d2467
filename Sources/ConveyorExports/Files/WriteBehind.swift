import Synchronization

/// Runs a writer's pieces one after another, each in a task of its own, so that the caller
/// fetches the next piece while the last one is written: at most one write is in flight, and
/// its error surfaces at the next call.
final class WriteBehind: Sendable {
    private let pending = Mutex<Task<Void, any Error>?>(nil)

    /// Starts `write` once the write before it has ended; returns without waiting for it.
    /// Throws the previous write's error, if it failed.
    func start(_ write: @escaping @Sendable () async throws -> Void) async throws {
        try await finish()
        let task = Task(operation: write)
        pending.withLock { $0 = task }
    }

    /// Waits for the write in flight, throwing its error.
    func finish() async throws {
        let write = pending.withLock { pending in
            defer { pending = nil }
            return pending
        }
        try await write?.value
    }
}
