/// An external call that got no usable answer: it timed out, could not connect, broke
/// off, or answered more than the size cap. Counted as a failure by the dependency's
/// breaker, except a body over the cap (the dependency did answer).
public struct ExternalCallError: Error, Sendable, CustomStringConvertible {
    public let method: String
    public let url: String
    /// What went wrong, in fixed words ("no answer within 10000 ms"): what the job's error,
    /// which its producer reads, says.
    public let problem: String
    /// The underlying error, which may name addresses and ports: for the worker's log only.
    public let detail: String
    /// The state of the dependency's breaker once this call was counted.
    public let breakerState: BreakerState

    public var description: String { "\(method) \(url) failed: \(problem)" }
}
