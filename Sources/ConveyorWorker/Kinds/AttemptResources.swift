import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Logging

/// What every attempt of one worker reaches through its ``JobContext``: the worker's logger,
/// its Postgres pool, queues, Redis client and external client. Made once per worker, so
/// that an attempt's context holds one reference to them rather than a copy of each, which
/// every copy of the context would retain and release again.
final class AttemptResources: Sendable {
    let logger: Logger
    let database: PostgresPool
    let queue: JobQueue
    let redis: RedisClient
    let externalClient: ExternalClient
    /// Whether the attempts' phases are traced: each database, Redis and external call in a span.
    let tracing: Bool

    init(logger: Logger, database: PostgresPool, queue: JobQueue, redis: RedisClient, externalClient: ExternalClient, tracing: Bool) {
        self.logger = logger
        self.database = database
        self.queue = queue
        self.redis = redis
        self.externalClient = externalClient
        self.tracing = tracing
    }
}
