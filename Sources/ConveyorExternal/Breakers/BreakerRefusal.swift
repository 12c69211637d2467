public import ConveyorCore

/// A call refused because the dependency's breaker is open, or half-open with every probe
/// slot taken. Nothing was sent; the call may be tried again at ``retryAt``.
public struct BreakerRefusal: Error, Sendable, CustomStringConvertible {
    public let dependency: String
    public let state: BreakerState
    /// When the breaker may let a call through: the end of its cool-down; for a half-open
    /// breaker, ``CircuitBreakers/halfOpenRecheck`` from now, or sooner if a probe slot's
    /// lease ends before. On the Redis clock.
    public let retryAt: Timestamp

    public var description: String {
        switch state {
        case .halfOpen: "the circuit breaker of \(dependency) is half-open and its probe calls are under way"
        case .open, .closed: "the circuit breaker of \(dependency) is open until \(retryAt)"
        }
    }
}
