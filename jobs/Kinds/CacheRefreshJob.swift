public import ConveyorCaches
import ConveyorCore
public import ConveyorWorker

/// Recomputes one cached value for the job's tenant and stores it in Redis with its TTL;
/// one refresh of a value runs at a time (see ``CacheRefresher``). Logs the query's rows,
/// its pool wait and database time, the Redis time of the lock and the write, and for a
/// value with a source the time of its GET and its breaker's state.
public struct CacheRefreshJob: JobKind {
    public typealias Payload = CacheRefresh.Payload

    public static let name = CacheRefresh.kind
    public static let options = JobKindOptions(
        maxAttempts: CacheRefresh.maxAttempts, timeout: CacheRefresh.timeout, backoff: RetryBackoff(base: .seconds(1), maximum: .seconds(30)),
        visibility: .internal
    )

    private let catalogue: CacheCatalogue

    public init(catalogue: CacheCatalogue) {
        self.catalogue = catalogue
    }

    /// The payload must name a value of the catalogue (the kind's checks are static, so they
    /// read the embedded one).
    public static func validate(_ payload: Payload) throws {
        let catalogue = try JobCatalogue.caches()
        guard catalogue.value(named: payload.cache) != nil else {
            throw PermanentJobError("unknown cached value '\(payload.cache)': known values are \(catalogue.names.joined(separator: ", "))")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> CacheRefreshOutcome {
        // The context lends its Redis client through withRedis; the refresher counts the time
        // of its own calls.
        let refresher = try await context.withRedis { redis in CacheRefresher(catalogue: catalogue, store: CacheStore(redis: redis)) }
        let outcome = try await refresher.refresh(
            payload.cache, tenant: context.tenant, job: context.id, isLastAttempt: context.attempt >= context.maxAttempts,
            countRedisTime: { context.timings.addRedis($0) }, fetch: { request in try await context.external.send(request) },
            withDatabase: { query in try await context.withDatabase(query) }
        )
        context.timings.addRows(outcome.rows)
        return outcome
    }
}
