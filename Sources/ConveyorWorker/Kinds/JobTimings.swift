import Synchronization

/// Where an attempt spent its time, gathered while it runs (a handler may work in
/// parallel, so every figure is added under a lock) and logged when it ends.
public final class JobTimings: Sendable {
    /// The figures at one moment.
    public struct Figures: Sendable, Equatable {
        public var databasePoolWait: Duration = .zero
        public var database: Duration = .zero
        public var external: Duration = .zero
        public var redis: Duration = .zero
        public var rows: Int = 0
        /// The state of the circuit breaker of the latest external call, if any.
        public var breakerState: String?
    }

    private let state = Mutex(Figures())

    public init() {}

    public var figures: Figures { state.withLock { $0 } }

    public func addDatabasePoolWait(_ duration: Duration) { state.withLock { $0.databasePoolWait += duration } }
    public func addDatabase(_ duration: Duration) { state.withLock { $0.database += duration } }
    public func addExternal(_ duration: Duration, breakerState: String) {
        state.withLock {
            $0.external += duration
            $0.breakerState = breakerState
        }
    }
    public func addRedis(_ duration: Duration) { state.withLock { $0.redis += duration } }
    public func addRows(_ count: Int) { state.withLock { $0.rows += count } }
}
