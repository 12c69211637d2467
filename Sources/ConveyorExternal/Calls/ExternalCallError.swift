/// An external call that got no usable answer: it timed out, could not connect, broke
/// off, or answered more than the size cap. Counted as a failure by the dependency's
/// breaker, except a body over the cap (the dependency did answer).
public struct ExternalCallError: Error, Sendable, CustomStringConvertible {
    public let method: String
    public let url: String
    public let problem: String
    /// The state of the dependency's breaker once this call was counted.
    public let breakerState: BreakerState

    public var description: String { "\(method) \(url) failed: \(problem)" }
}
