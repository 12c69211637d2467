public import ConveyorCore
import ConveyorQueue

/// What one refresh did, stored as its job's result.
public struct CacheRefreshOutcome: Encodable, Sendable, Equatable {
    public let cache: String
    public let tenant: String
    /// False when another refresh of the value was running, and this one ended without
    /// computing: that one stores the value.
    public let computed: Bool
    /// The rows the value was made of; 0 when not computed.
    public let rows: Int
    /// When the value was stored, on the Redis clock; nil when not computed.
    public let computedAt: Timestamp?

    enum CodingKeys: String, CodingKey {
        case cache, tenant, computed, rows
        case computedAt = "computed_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cache, forKey: .cache)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(computed, forKey: .computed)
        try container.encode(rows, forKey: .rows)
        try container.encode(computedAt?.description, forKey: .computedAt)
    }
}
