import ConveyorCore
public import ConveyorExternal
public import ConveyorPostgres
public import ConveyorQueue
import ConveyorRedis
import Foundation

/// Recomputes cached values, one refresh of a (tenant, value) at a time across all workers.
///
/// Single flight: a refresh first takes the value's lock in Redis (`SET NX PX` with a random
/// token, for the job's timeout and a margin). A refresh that finds the lock taken ends at
/// once without computing: the one running stores a value computed moments ago, so
/// computing it again would only double the load that single flight exists to prevent. The
/// value is stored only while the lock is still this refresh's token, and the lock is
/// released by its owner only (both are scripts that compare the token), so a refresh that
/// outlived its lock can neither overwrite a newer value nor free another's lock.
public struct CacheRefresher: Sendable {
    public let catalogue: CacheCatalogue
    public let store: CacheStore

    public init(catalogue: CacheCatalogue, store: CacheStore) {
        self.catalogue = catalogue
        self.store = store
    }

    /// Refreshes value `name` for `tenant`.
    ///
    /// - Parameters:
    ///   - job: the refresh job running it; if it ends without storing the value for good,
    ///     the pending marker naming it is cleared so the next request enqueues another.
    ///   - isLastAttempt: whether a failure now is final.
    ///   - countRedisTime: takes the time of the lock and the write (the job's `redis_ms`).
    ///   - fetch: sends the GET of a value's source (the job's calls through the breakers).
    ///   - withDatabase: runs the query on a connection (the job's measured one).
    /// - Throws: ``PermanentJobError`` for an unknown name or a missing tenant; for a value
    ///   with a source, ``ExternalStatusError`` for an answer other than 2xx,
    ///   ``CacheSourceError`` for a body that is not JSON, and what `fetch` throws (a
    ///   ``JobDeferral`` when the breaker is open, which keeps the pending marker: the
    ///   deferred job still computes the value); or the query's errors.
    public func refresh(
        _ name: String, tenant: String, job: JobID, isLastAttempt: Bool, countRedisTime: (Duration) -> Void,
        fetch: (ExternalRequest) async throws -> ExternalResponse,
        withDatabase: (_ query: (PostgresConnection) async throws -> CacheComputation) async throws -> CacheComputation
    ) async throws -> CacheRefreshOutcome {
        guard let value = catalogue.value(named: name) else {
            throw PermanentJobError("unknown cached value '\(name)': known values are \(catalogue.names.joined(separator: ", "))")
        }
        guard !tenant.isEmpty else {
            throw PermanentJobError("a cache refresh is computed for a tenant, and this job has none: enqueue it with one")
        }
        let token = ULID.make()
        let locked = try await measured(countRedisTime) {
            try await store.lock(tenant: tenant, name: name, token: token, for: CacheRefresh.timeout + CacheRefresh.lockMargin)
        }
        guard locked else {
            try await measured(countRedisTime) { try await store.clearPending(tenant: tenant, name: name, job: job) }
            return CacheRefreshOutcome(cache: name, tenant: tenant, computed: false, rows: 0, computedAt: nil)
        }
        do {
            var document: String?
            if let source = value.source { document = try await fetchDocument(source, fetch) }
            let computation = try await withDatabase { connection in
                try await value.query.run(for: tenant, source: document, on: connection)
            }
            let written = try await measured(countRedisTime) {
                try await store.write(tenant: tenant, name: name, token: token, json: computation.json, ttl: value.ttl)
            }
            guard let computedAt = written else {
                throw CacheRefreshError.lockLost(name: name, tenant: tenant)
            }
            return CacheRefreshOutcome(cache: name, tenant: tenant, computed: true, rows: computation.rows, computedAt: computedAt)
        } catch {
            // A deferred job spends no attempt, so even on its last one it will run again.
            let endsPending = (isLastAttempt && !(error is JobDeferral)) || error is CacheComputationError
            let store = self.store
            // Outside this task, which may have been cancelled (a timeout): the lock must go all the same.
            try? await measured(countRedisTime) {
                try await uncancelled {
                    try await store.unlock(tenant: tenant, name: name, token: token)
                    if endsPending { try await store.clearPending(tenant: tenant, name: name, job: job) }
                }
            }
            if let error = error as? CacheComputationError {
                throw PermanentJobError("\(value.file): \(error)")
            }
            throw error
        }
    }

    /// GETs the source's document; its body must be JSON, which the query then casts.
    private func fetchDocument(_ source: CacheSource, _ fetch: (ExternalRequest) async throws -> ExternalResponse) async throws -> String {
        let request = ExternalRequest(.get, source.url, headers: [("Accept", "application/json")])
        let response = try await fetch(request).requireSuccess(of: request)
        guard (try? JSONSerialization.jsonObject(with: Data(response.body), options: .fragmentsAllowed)) != nil,
            let text = String(validating: response.body, as: UTF8.self)
        else {
            throw CacheSourceError.notJSON(url: source.url.description, bodyStart: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        return text
    }

    /// Runs `call`, counting its time as Redis time.
    private func measured<T>(_ countRedisTime: (Duration) -> Void, _ call: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { countRedisTime(start.duration(to: clock.now)) }
        return try await call()
    }
}

/// A refresh that computed a value but had lost its lock, so did not store it.
public enum CacheRefreshError: Error, CustomStringConvertible {
    case lockLost(name: String, tenant: String)

    public var description: String {
        switch self {
        case .lockLost(let name, let tenant):
            "the refresh of '\(name)' for tenant '\(tenant)' outlived its lock, so its value was not stored"
        }
    }
}
