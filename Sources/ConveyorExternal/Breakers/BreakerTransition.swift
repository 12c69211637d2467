public import ConveyorCore

/// One change of a breaker's state, as kept in Redis.
public struct BreakerTransition: Sendable, Equatable {
    /// On the Redis clock.
    public let at: Timestamp
    public let from: BreakerState
    public let to: BreakerState
    /// What caused it, e.g. "6 of 10 calls failed" or "cool-down over".
    public let reason: String

    /// Parses an entry of the transitions list, "<at us> <from> <to> <reason>".
    init?(entry: String) {
        let parts = entry.split(separator: " ", maxSplits: 3)
        guard parts.count == 4, let at = Int64(parts[0]), let from = BreakerState(rawValue: String(parts[1])),
            let to = BreakerState(rawValue: String(parts[2]))
        else { return nil }
        self.at = Timestamp(microseconds: at)
        self.from = from
        self.to = to
        self.reason = String(parts[3])
    }
}
