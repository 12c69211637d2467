/// A named value of the cache catalogue (`jobs/caches/NAME.sql`): how to compute it for a
/// tenant, and how long a computed value is served.
///
/// Today a value is computed by one query. The model leaves room for an external source:
/// a value fetched over HTTP (through the circuit-breaking client) would carry it as
/// another member beside ``query``, the query then optional and given the fetched document
/// as a parameter, with ``CacheFileParser`` reading it from a header line of its own.
public struct CachedValue: Sendable {
    /// The value's name: its file's name without `.sql`.
    public let name: String
    /// What the value is, from the file's header comments.
    public let summary: String
    /// How long a computed value is served; after that, it is gone from Redis and the next
    /// request for it starts a refresh.
    public let ttl: Duration
    /// The query whose result is the value.
    public let query: CacheQuery
    /// The file it was read from, for error messages.
    public let file: String

    public init(name: String, summary: String, ttl: Duration, query: CacheQuery, file: String) {
        self.name = name
        self.summary = summary
        self.ttl = ttl
        self.query = query
        self.file = file
    }
}
