/// A call the breaker let through: hand it back to ``CircuitBreakers/record(_:_:)`` with
/// the call's outcome.
public struct BreakerPermit: Sendable {
    public let dependency: String
    /// The breaker's state when it let the call through: `half_open` for a probe.
    public let state: BreakerState
    /// Tells this call's probe slot, if it holds one, from the others.
    let token: String
}
