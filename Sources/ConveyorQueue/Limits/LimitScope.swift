import ConveyorCore

/// Which jobs of a kind share one limit (``KindConcurrencyLimit``, ``KindRateLimit``).
public enum LimitScope: Sendable, Equatable {
    /// Every job of the kind.
    case kind
    /// Each tenant's jobs of the kind.
    case tenant
    /// The jobs of the kind whose payloads hold the same value in this top-level field (a
    /// missing field counts as null).
    case payloadField(String)

    /// The part of a limit's key that tells apart the jobs that do not share it: a digest,
    /// since a tenant's name or a payload's value may hold any character.
    func key(tenant: String, payload: String) -> String {
        switch self {
        case .kind:
            return "all"
        case .tenant:
            return "tenant:" + FNV1a64.hash(tenant.utf8).hexDigits
        case .payloadField(let field):
            guard case .object(let members)? = JSONValue(parsing: payload), let value = members[field] else {
                return "field:null"
            }
            let text: String
            switch value {
            case .string(let string): text = string
            case .null: return "field:null"
            default: text = "\(value)"
            }
            return "field:" + FNV1a64.hash(text.utf8).hexDigits
        }
    }

    /// How the scope reads in a listing: `kind`, `tenant` or `payload.<field>`.
    public var description: String {
        switch self {
        case .kind: "kind"
        case .tenant: "tenant"
        case .payloadField(let field): "payload.\(field)"
        }
    }
}

/// At most ``limit`` attempts of a kind run at once across every worker (within each
/// ``scope``): a job over it waits on the schedule without spending an attempt, and a
/// dead worker's slots come back when its leases end. Oban calls it a global limit,
/// Sidekiq Enterprise a concurrent limiter.
public struct KindConcurrencyLimit: Sendable, Equatable {
    public var limit: Int
    public var scope: LimitScope

    public init(_ limit: Int, per scope: LimitScope = .kind) {
        precondition(limit > 0, "a concurrency limit is at least 1")
        self.limit = limit
        self.scope = scope
    }
}

/// At most ``limit`` attempts of a kind start within any ``window``, across every worker
/// (within each ``scope``): a job over it is deferred to when the window has room, without
/// spending an attempt, as an open breaker defers it.
public struct KindRateLimit: Sendable, Equatable {
    public var limit: Int
    public var window: Duration
    public var scope: LimitScope

    public init(_ limit: Int, per window: Duration, scope: LimitScope = .kind) {
        precondition(limit > 0 && window > .zero, "a rate limit allows at least 1 start in a window longer than zero")
        self.limit = limit
        self.window = window
        self.scope = scope
    }
}
