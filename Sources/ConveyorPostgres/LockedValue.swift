import Foundation

/// A value guarded by a lock, for state that tasks and the pool's threads share.
///
/// Critical sections are short and never suspend, so a plain `NSLock` suits better than an actor:
/// the pool's threads, which must not wait on Swift's executors, can use it too.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        self.lock.lock()
        defer { self.lock.unlock() }
        return try body(&self.value)
    }
}
