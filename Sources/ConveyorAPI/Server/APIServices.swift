import ConveyorCaches
import ConveyorExports
import ConveyorImports
import ConveyorPostgres
import ConveyorQueue
import ConveyorWorker

/// The services the API's endpoints call: the queues, the job kinds to check requests
/// against, and the database.
public struct APIServices: Sendable {
    /// The queues jobs are enqueued on and read from; its Redis client is the one `/ready` checks.
    public var queue: JobQueue
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

    /// - Parameters:
    ///   - caches: the cached values served; none by default.
    ///   - cacheQueue: where their refresh jobs go.
    public init(
        queue: JobQueue, registry: JobRegistry, database: PostgresPool, imports: ImportIntake, exports: ExportIntake,
        caches: CacheCatalogue = CacheCatalogue(), cacheQueue: QueueName = .default
    ) {
        self.queue = queue
        self.registry = registry
        self.database = database
        self.imports = imports
        self.exports = exports
        self.caches = CacheService(catalogue: caches, queue: queue, queueName: cacheQueue)
    }
}
