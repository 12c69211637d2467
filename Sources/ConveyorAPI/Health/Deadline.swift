import Synchronization

/// Waiting for an answer no longer than a deadline.
enum Deadline {
    /// `operation`'s result, or ``Exceeded`` once `limit` has passed without one. The
    /// operation is then cancelled but not awaited: a call blocked inside a client
    /// library ends in its own time (its connect and command timeouts), not the caller's.
    static func run<Value: Sendable>(
        within limit: Duration, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let answer = Answer(continuation)
            let work = Task {
                do {
                    answer.resume(with: .success(try await operation()))
                } catch {
                    answer.resume(with: .failure(error))
                }
            }
            Task {
                try await Task.sleep(for: limit)
                work.cancel()
                answer.resume(with: .failure(Exceeded(limit: limit)))
            }
        }
    }

    /// No answer came in time.
    struct Exceeded: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "no answer within \(limit)" }
    }

    /// A continuation resumed by whichever comes first, the result or the deadline.
    private final class Answer<Value: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

        init(_ continuation: CheckedContinuation<Value, any Error>) {
            self.continuation = Mutex(continuation)
        }

        func resume(with result: Result<Value, any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }
}
