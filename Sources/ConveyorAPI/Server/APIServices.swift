public import ConveyorCaches
public import ConveyorExports
public import ConveyorExternal
public import ConveyorImports
public import ConveyorPostgres
public import ConveyorQueue
public import ConveyorRedis
public import ConveyorSchedules
public import ConveyorWorker

/// The services the API's endpoints call: the queues, the job kinds to check requests
/// against, and the database.
public struct APIServices: Sendable {
    /// The queues jobs are enqueued on and read from.
    public var queue: JobQueue
    /// The Redis client of the API's own records (idempotency, rate limits) and of what it
    /// reads that workers keep in Redis (their directory, breakers, job figures).
    public var redis: RedisClient
    /// The job kinds the workers run: a request for another kind, or with a payload the
    /// kind refuses, is answered 422 and never enqueued.
    public var registry: JobRegistry
    /// The database pool, which `/ready` checks.
    public var database: PostgresPool
    /// Takes uploads of rows and reports on imports.
    public var imports: ImportIntake
    /// Takes export requests and finds their records and files.
    public var exports: ExportIntake
    /// Serves cached values from Redis and enqueues their refreshes.
    public var caches: CacheService
    /// The Redis client `/ready` checks with: small and apart from ``queue``'s, so that a
    /// flood of readiness requests takes no connection that requests need.
    public var readinessRedis: RedisClient
    /// The database pool `/ready` checks with, apart from ``database`` for the same reason.
    public var readinessDatabase: PostgresPool
    /// The addresses external calls may reach: a callback URL to any other is refused at intake.
    public var outbound: OutboundPolicy
    /// The cron schedules, which the dashboard shows.
    public var schedules: [Schedule]

    /// - Parameters:
    ///   - caches: the cached values served; none by default.
    ///   - cacheQueue: where their refresh jobs go.
    ///   - readiness: the clients `/ready` checks with; by default ``redis`` and ``database``.
    ///   - schedules: the cron schedules; none by default.
    public init(
        redis: RedisClient, queue: JobQueue, registry: JobRegistry, database: PostgresPool, imports: ImportIntake, exports: ExportIntake,
        caches: CacheCatalogue = CacheCatalogue(), cacheQueue: QueueName = .default,
        readiness: (redis: RedisClient, database: PostgresPool)? = nil, outbound: OutboundPolicy = OutboundPolicy(),
        schedules: [Schedule] = []
    ) {
        self.queue = queue
        self.redis = redis
        self.registry = registry
        self.database = database
        self.imports = imports
        self.exports = exports
        self.caches = CacheService(catalogue: caches, store: CacheStore(redis: redis), queue: queue, queueName: cacheQueue)
        self.readinessRedis = readiness?.redis ?? redis
        self.readinessDatabase = readiness?.database ?? database
        self.outbound = outbound
        self.schedules = schedules
    }
}
