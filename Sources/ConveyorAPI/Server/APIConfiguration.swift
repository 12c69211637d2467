/// How the API server listens and what it accepts.
public struct APIConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on; 0 takes any free one (the log line "API listening" names it).
    public var port: Int
    /// The largest request body accepted, in bytes; a larger one is refused with 413.
    /// Job requests have a lower limit of their own, ``maxJobBodyBytes``.
    public var maxBodyBytes: Int
    /// The tenant of every job, until API keys name one.
    public var defaultTenant: String
    /// How long `GET /ready` waits for each of Redis and PostgreSQL.
    public var readinessTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxBodyBytes: Int = 512 << 20,
        defaultTenant: String = "default",
        readinessTimeout: Duration = .seconds(1)
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.defaultTenant = defaultTenant
        self.readinessTimeout = readinessTimeout
    }

    /// The most a `POST /v1/jobs` body may hold: its payload is stored in Redis and read
    /// on every attempt, so it is kept to 1 MiB (or ``maxBodyBytes``, if that is lower).
    public var maxJobBodyBytes: Int { min(maxBodyBytes, 1 << 20) }
}
