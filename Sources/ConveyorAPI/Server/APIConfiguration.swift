import ConveyorCore
public import ConveyorQueue

/// How the API server listens, whom it admits, and what it accepts.
public struct APIConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on; 0 takes any free one (the log line "API listening" names it).
    public var port: Int
    /// The keys callers authenticate with, each with a role and a tenant.
    public var keyring: APIKeyring
    /// Requests per window for each role; a role without a limit is not limited.
    public var rateLimits: [APIRole: RateLimit]
    /// How long the answer to a request with an `Idempotency-Key` is kept, and so how long
    /// the key cannot be used for another request.
    public var idempotencyRetention: Duration
    /// The digest of the token that may read `/metrics` besides admin keys; nil for none. Set
    /// it with ``setMetricsToken(_:)``: the token itself is not kept.
    private(set) var metricsTokenDigest: SecretDigest?
    /// The largest request body accepted, in bytes; a larger one is refused with 413.
    /// Job requests have lower limits of their own, ``maxJobBodyBytes`` and ``maxBulkBodyBytes``.
    public var maxBodyBytes: Int
    /// How long `GET /ready` waits for each of Redis and PostgreSQL.
    public var readinessTimeout: Duration
    /// Whether producers may enqueue the drill kinds (`drill.sleep`, `drill.fail`, `drill.ledger`), for
    /// fault drills and tests; off in production.
    public var drillsEnabled: Bool
    /// Queues producers may name besides those their kinds declare.
    public var allowedQueues: QueueAllowlist
    /// How much each tenant may have waiting in a queue, checked on every job a producer
    /// enqueues.
    public var tenantQuotas: TenantQuotas
    /// The longest a request's body may pause before it is answered 408 and its connection closed.
    public var bodyReadTimeout: Duration
    /// How long a connection may stay open without a request, or with a request whose head
    /// has not arrived whole, before it is closed. Longer than ``bodyReadTimeout``.
    public var idleTimeout: Duration
    /// A request that takes longer is logged at warning level and marked slow.
    public var slowRequestThreshold: Duration = .seconds(1)
    /// Whether each request is traced in a span (continuing the caller's `traceparent`), as
    /// the enqueues it makes; on when the process bootstrapped a tracer.
    public var tracing = false
    /// How the dashboard at `/ui` signs its sessions.
    public var dashboard = DashboardConfiguration()

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        keyring: APIKeyring,
        rateLimits: [APIRole: RateLimit] = Self.defaultRateLimits,
        idempotencyRetention: Duration = .seconds(24 * 3600),
        metricsToken: String? = nil,
        maxBodyBytes: Int = 512 << 20,
        readinessTimeout: Duration = .seconds(1),
        drillsEnabled: Bool = false,
        allowedQueues: QueueAllowlist = QueueAllowlist(),
        tenantQuotas: TenantQuotas = TenantQuotas(),
        bodyReadTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.keyring = keyring
        self.rateLimits = rateLimits
        self.idempotencyRetention = idempotencyRetention
        self.maxBodyBytes = maxBodyBytes
        self.readinessTimeout = readinessTimeout
        self.drillsEnabled = drillsEnabled
        self.allowedQueues = allowedQueues
        self.tenantQuotas = tenantQuotas
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        setMetricsToken(metricsToken)
    }

    /// Lets `token` read `/metrics`, besides admin keys; nil lets admin keys only.
    public mutating func setMetricsToken(_ token: String?) {
        metricsTokenDigest = token.map { SecretDigest(of: $0) }
    }

    /// 6,000 requests a minute for a producer key, 1,200 for an admin key.
    public static let defaultRateLimits: [APIRole: RateLimit] = [
        .producer: RateLimit(requests: 6000, window: .seconds(60)),
        .admin: RateLimit(requests: 1200, window: .seconds(60)),
    ]

    /// The most a `POST /v1/jobs` body may hold: its payload is stored in Redis and read
    /// on every attempt, so it is kept to 1 MiB (or ``maxBodyBytes``, if that is lower).
    public var maxJobBodyBytes: Int { min(maxBodyBytes, 1 << 20) }

    /// The most a `POST /v1/jobs/bulk` body may hold: 32 MiB (or ``maxBodyBytes``, if lower).
    public var maxBulkBodyBytes: Int { min(maxBodyBytes, 32 << 20) }
}
