/// When a circuit breaker opens and how it recovers. Every process passes its settings
/// with each call, so processes with different settings share one breaker state.
public struct BreakerSettings: Sendable, Equatable {
    /// The share of failed calls in the window, from 0 to 1, that opens the breaker.
    public var failureRate: Double
    /// The rolling window over which calls are counted.
    public var window: Duration
    /// The fewest calls in the window for the failure rate to count: a single failed call
    /// of a quiet dependency does not open its breaker.
    public var minimumCalls: Int
    /// How long an open breaker refuses calls before it lets probes through.
    public var coolDown: Duration
    /// Probe calls a half-open breaker lets through at once, and the successful probes
    /// that close it.
    public var probes: Int

    /// The window is counted in this many buckets; it rolls on a bucket at a time.
    static let buckets = 10

    public init(
        failureRate: Double = 0.5, window: Duration = .seconds(60), minimumCalls: Int = 10, coolDown: Duration = .seconds(30),
        probes: Int = 1
    ) {
        self.failureRate = failureRate
        self.window = window
        self.minimumCalls = minimumCalls
        self.coolDown = coolDown
        self.probes = probes
    }
}
