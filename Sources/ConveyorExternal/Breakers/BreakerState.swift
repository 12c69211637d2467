/// Where a circuit breaker is: `closed` lets every call through and counts failures;
/// `open` refuses calls until its cool-down ends; `half_open` lets a few probe calls
/// through, whose results close it again or reopen it.
public enum BreakerState: String, Sendable, Codable, CaseIterable {
    case closed
    case open
    case halfOpen = "half_open"
}
