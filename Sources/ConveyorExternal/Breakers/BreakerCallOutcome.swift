/// How a call that a breaker let through ended, as the breaker counts it.
public enum BreakerCallOutcome: String, Sendable {
    /// The dependency answered, other than with a server error.
    case success
    /// A timeout, a connection failure, or a server error (5xx, 429).
    case failure
    /// The caller gave up (its job was cancelled): says nothing about the dependency.
    case abandoned
}
