@testable import ConveyorCaches
import ConveyorExternal
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Logging
import Testing

/// The test Redis and PostgreSQL, a tenant no other test uses (its rows in the shared
/// tables and its cache keys are removed afterwards), and a refresher over a catalogue.
struct CacheFixture {
    let redis: RedisClient
    let pool: PostgresPool
    let tenant: String
    let store: CacheStore
    let refresher: CacheRefresher

    /// Runs `body` with a fixture whose catalogue is `catalogue` (the shipped one by default).
    static func with(
        _ purpose: String, catalogue: CacheCatalogue? = nil, _ body: (CacheFixture) async throws -> Void
    ) async throws {
        let redis = try TestEnvironment.redis()
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL()), logger: Logger(label: "test"))
        let tenant = "t-\(purpose)-\(String(UInt64.random(in: 0 ... .max), radix: 36))"
        let store = CacheStore(redis: redis)
        let fixture = CacheFixture(
            redis: redis, pool: pool, tenant: tenant, store: store,
            refresher: CacheRefresher(catalogue: try catalogue ?? JobCatalogue.caches(), store: store)
        )
        do {
            try await body(fixture)
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    private func close() async {
        _ = try? await pool.withConnection { connection in
            for table in ["products", "conveyor_imports", "conveyor_job_history"] {
                try await connection.execute("DELETE FROM \(table) WHERE tenant = $1", [tenant])
            }
        }
        for name in refresher.catalogue.names {
            let keys = CacheKeys(tenant: tenant, name: name)
            _ = try? await redis.send(RedisCommand("DEL", .string(keys.value), .string(keys.lock), .string(keys.pending)))
        }
        await pool.shutdown()
        await redis.shutdown()
    }

    /// Refreshes `name` for the fixture's tenant as a refresh job would, on a pooled
    /// connection, fetching a source through `external` (a value without one needs none).
    func refresh(
        _ name: String, job: JobID = JobID(in: .default), isLastAttempt: Bool = false, external: ExternalClient? = nil
    ) async throws -> CacheRefreshOutcome {
        let timings = JobTimings()
        return try await refresher.refresh(
            name, tenant: tenant, job: job, isLastAttempt: isLastAttempt, countRedisTime: { timings.addRedis($0) },
            fetch: { request in
                let client = try #require(external, "the value has a source: pass the refresh an external client")
                return try await ExternalCalls(client: client, timings: timings, logger: Logger(label: "cache-test")).send(request)
            }
        ) { query in
            try await pool.withConnection(query)
        }
    }

    func keys(_ name: String) -> CacheKeys { CacheKeys(tenant: tenant, name: name) }

    /// A catalogue of one value, `figures`, from `text`.
    static func catalogue(_ text: String) throws -> CacheCatalogue {
        try CacheCatalogue(files: [("jobs/caches/figures.sql", Array(text.utf8))])
    }
}
