public import ConveyorCore
import ConveyorExternal
public import ConveyorPostgres
public import ConveyorQueue
public import ConveyorRedis
public import Logging
import Tracing

/// What a running attempt knows and may use: its identity, a logger that tags every line
/// with the job and request ids, and measured access to Postgres, Redis, the queues and
/// external HTTP services.
public struct JobContext: Sendable {
    public let id: JobID
    public let kind: String
    /// This attempt's number, from 1.
    public let attempt: Int
    /// This attempt's fencing token: a later attempt of the job has a greater one. A job
    /// whose effect must happen once writes it beside its effect, in one transaction.
    public let token: String
    /// When the job was queued for this attempt, on the Redis clock.
    public let enqueuedAt: Timestamp
    public let maxAttempts: Int
    /// The HTTP request that created the job.
    public let requestID: String
    public let tenant: String
    /// The batch the job belongs to; nil for a job enqueued alone.
    public let batch: BatchID?
    /// Where the attempt's figures accumulate.
    public let timings: JobTimings
    /// What the worker's attempts share.
    let resources: AttemptResources
    /// The attempt's progress reports on their way to Redis.
    let progressReports = ProgressReports()

    var workerLogger: Logger { resources.logger }
    var database: PostgresPool { resources.database }
    var queue: JobQueue { resources.queue }
    var redis: RedisClient { resources.redis }
    var externalClient: ExternalClient { resources.externalClient }
    var tracing: Bool { resources.tracing }

    /// The worker's logger tagged with `job_id`, `kind` and `request_id`; made when asked
    /// for, since most attempts never log.
    public var logger: Logger {
        var logger = workerLogger
        logger[metadataKey: "job_id"] = .string(id.description)
        logger[metadataKey: "kind"] = .string(kind)
        logger[metadataKey: "request_id"] = .string(requestID)
        return logger
    }

    /// Runs `body` with a pooled Postgres connection, counting the wait for it as
    /// `db_pool_wait_ms` and the rest as `db_ms`.
    public func withDatabase<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let lease = try await phase("postgres pool wait", .internal) { try await database.acquire() }
        timings.addDatabasePoolWait(lease.waited)
        let start = clock.now
        defer {
            timings.addDatabase(start.duration(to: clock.now))
            database.release(lease)
        }
        return try await phase("postgres", .client) { try await body(lease.connection) }
    }

    /// Runs `body` in a span of the attempt's trace named `name`, when the worker traces.
    func phase<T>(_ name: String, _ kind: SpanKind, _ body: () async throws -> T) async throws -> T {
        guard tracing else { return try await body() }
        return try await withSpan(name, ofKind: kind) { _ in try await body() }
    }

    /// ``token`` as the number it is, for a row that records it beside the attempt's effect.
    public func numericToken() throws -> Int64 {
        guard let number = Int64(token) else {
            throw PermanentJobError("the fencing token '\(token)' is not a whole number")
        }
        return number
    }

    /// Runs `body` with a pooled Postgres connection inside a transaction that commits only
    /// while this attempt is the job's newest (see ``AttemptFence``): an attempt that stalled
    /// past its lease with the transaction open rolls back with ``StaleAttemptError`` rather
    /// than commit beside, or after, a newer attempt's.
    public func withFencedTransaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let fence = AttemptFence(job: id.description, enqueuedAt: enqueuedAt, token: try numericToken())
        return try await withDatabase { connection in
            try await fence.transaction(on: connection, body)
        }
    }

    /// Runs `body` with the Redis client, counting its time as `redis_ms`.
    public func withRedis<T: Sendable>(_ body: (RedisClient) async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { timings.addRedis(start.duration(to: clock.now)) }
        return try await phase("redis", .client) { try await body(redis) }
    }

    /// Enqueues follow-up jobs, counting the time as `redis_ms`. A job whose id exists
    /// already is left as it is, so a rerun of this attempt enqueues nothing twice when it
    /// derives its jobs' ids from its own work.
    public func enqueue(_ jobs: [JobRequest]) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        defer { timings.addRedis(start.duration(to: clock.now)) }
        _ = try await phase("enqueue", .producer) { try await queue.enqueue(jobs) }
    }

    /// Reports how far the attempt's work has come: `done` of `total` units, with a message of
    /// at most ``JobProgress/messageLimit`` bytes. `GET /v1/jobs/{id}` shows the latest report and
    /// `/v1/jobs/{id}/events` streams them. It returns at once: Redis is written at most every
    /// 200 ms with the latest report, and once more with the last when the attempt ends, so a
    /// kind may call it as often as it likes; each write counts as `redis_ms`.
    /// - Throws: ``JobProgress/InvalidValue`` for a total under 1, a `done` outside `0...total` or
    ///   a longer message; an error once the attempt's lease is lost (its reports are refused).
    public func progress(_ done: Int, of total: Int, message: String = "") throws {
        try progressReports.report(try JobProgress(done: done, of: total, message: message), to: progressDestination)
    }

    /// Where the attempt's progress reports are written.
    var progressDestination: ProgressReports.Destination {
        ProgressReports.Destination(queue: queue, lease: JobLease(id: id, token: token), attempt: attempt, timings: timings, logger: workerLogger)
    }

    /// Calls to external HTTP services, through their circuit breakers, counted as `external_ms`.
    public var external: ExternalCalls { ExternalCalls(client: externalClient, timings: timings, logger: logger) }
}
