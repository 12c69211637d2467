public import ConveyorCore
import ConveyorQueue

/// A computed value as the store holds it, read at one moment of the Redis clock.
public struct CachedEntry: Sendable {
    /// The value's JSON text.
    public let json: [UInt8]
    /// When the refresh stored it, on the Redis clock.
    public let computedAt: Timestamp
    /// How long it is served from ``computedAt``.
    public let ttl: Duration
    /// The Redis clock when it was read.
    public let readAt: Timestamp

    /// How old the value was when read.
    public var age: Duration { readAt.since(computedAt) }

    /// How long it will still be served.
    public var remaining: Duration { max(ttl - age, .zero) }
}
