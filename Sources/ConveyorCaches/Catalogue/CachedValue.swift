/// A named value of the cache catalogue (`jobs/caches/NAME.sql`): how to compute it for a
/// tenant, and how long a computed value is served.
///
/// A value is computed by its query, which may shape a document fetched from an external
/// HTTP ``source`` (given to it as `:source`).
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
    /// The document the query shapes, when the value comes from an external service.
    public let source: CacheSource?
    /// The file it was read from, for error messages.
    public let file: String

    public init(name: String, summary: String, ttl: Duration, query: CacheQuery, source: CacheSource? = nil, file: String) {
        self.name = name
        self.summary = summary
        self.ttl = ttl
        self.query = query
        self.source = source
        self.file = file
    }
}
