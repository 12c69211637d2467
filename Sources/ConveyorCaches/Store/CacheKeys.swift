/// The Redis keys of one cached value of one tenant. They share the hash tag
/// `{tenant:name}`, so each script touches one slot of a cluster; names never hold `:`, so
/// no two (tenant, name) pairs share keys.
struct CacheKeys: Sendable {
    /// A hash: `value` (JSON), `computed_at` (µs on the Redis clock), `ttl_ms`; it expires with the TTL.
    let value: String
    /// The single-flight lock: the token of the refresh that computes the value now.
    let lock: String
    /// The id of the refresh job enqueued to compute the value, until it has stored it.
    let pending: String

    init(tenant: String, name: String) {
        let prefix = "conveyor:cache:{\(tenant):\(name)}"
        value = prefix + ":value"
        lock = prefix + ":lock"
        pending = prefix + ":pending"
    }
}
