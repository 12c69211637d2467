/// Exponential backoff with jitter: the wait before attempt `n + 1` is
/// `min(base · 2^(n-1), maximum)`, scaled by a random factor in `[1 - jitter, 1]` so
/// that jobs failing together do not come back together.
public struct RetryBackoff: Sendable, Equatable {
    /// The wait after the first failed attempt, before jitter.
    public var base: Duration
    /// The longest wait, before jitter.
    public var maximum: Duration
    /// The fraction of the wait that is random, from 0 to 1.
    public var jitter: Double

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(3600), jitter: Double = 0.5) {
        self.base = base
        self.maximum = maximum
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The wait's bounds after failed attempt number `attempt` (from 1), jitter aside.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let grown = base * Double(1 << min(exponent, 62))
        return min(grown, maximum)
    }

    /// The wait after failed attempt number `attempt` (from 1).
    public func delay(afterAttempt attempt: Int) -> Duration {
        ceiling(afterAttempt: attempt) * Double.random(in: (1 - jitter)...1)
    }
}
