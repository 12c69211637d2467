@testable import ConveyorCaches
import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

@Suite("Cache refreshes")
struct CacheRefreshTests {
    /// Rows of the three sources for the fixture's tenant, some of them outside the
    /// dashboard's time windows.
    private static func seedDashboard(_ fixture: CacheFixture) async throws {
        let tenant = fixture.tenant
        try await fixture.pool.withConnection { connection in
            try await connection.execute(
                """
                INSERT INTO products (tenant, sku, name, price_cents, quantity)
                VALUES ($1, 'p1', 'one', 100, 2), ($1, 'p2', 'two', 250, 4), ($1, 'p3', 'three', 1000, 0)
                """, [tenant]
            )
            try await connection.execute(
                """
                INSERT INTO conveyor_imports (id, dataset, tenant, columns, on_conflict, chunk_size, chunk_count, row_count, request_id, accepted_at)
                VALUES ($1 || '-1', 'products', $1, 'sku', 'skip', 10, 1, 10, 'r', now()),
                       ($1 || '-2', 'products', $1, 'sku', 'skip', 10, 1, 5, 'r', now() - interval '1 hour'),
                       ($1 || '-3', 'products', $1, 'sku', 'skip', 10, 1, 100, 'r', now() - interval '2 days')
                """, [tenant]
            )
            try await connection.execute(
                "INSERT INTO conveyor_import_chunks (import_id, chunk_number, row_count, first_line) VALUES ($1 || '-1', 1, 10, 1)", [tenant]
            )
            try await connection.execute(
                "INSERT INTO conveyor_import_chunk_failures (import_id, chunk_number, message) VALUES ($1 || '-1', 1, 'bad row')", [tenant]
            )
            try await connection.execute(
                """
                INSERT INTO conveyor_job_history (job_id, attempt, kind, queue, tenant, outcome, state, wait_ms, run_ms, finished_at)
                VALUES ('j1', 1, 'noop', 'default', $1, 'succeeded', 'succeeded', 1, 10, now()),
                       ('j2', 1, 'noop', 'default', $1, 'succeeded', 'succeeded', 1, 20, now()),
                       ('j3', 1, 'noop', 'default', $1, 'succeeded', 'succeeded', 1, 30, now() - interval '30 minutes'),
                       ('j4', 1, 'noop', 'default', $1, 'failed', 'retrying', 1, 40, now()),
                       ('j5', 1, 'noop', 'default', $1, 'failed', 'dead', 1, 5000, now() - interval '2 hours')
                """, [tenant]
            )
        }
    }

    /// A catalogue whose value's query waits for an advisory lock, and the lock's key: a test
    /// that holds the lock keeps a refresh computing, its Redis lock taken, for as long as it wants.
    private static func waitingOnAnAdvisoryLock() throws -> (key: Int, catalogue: CacheCatalogue) {
        let key = Int.random(in: 1_000_000...2_000_000_000)
        let catalogue = try CacheFixture.catalogue(
            """
            -- ttl 1m
            SELECT :tenant AS tenant, 'done' AS state FROM pg_advisory_xact_lock(\(key))
            """
        )
        return (key, catalogue)
    }

    @Test("a refresh computes the dashboard for its tenant and stores it with its TTL and computed_at")
    func computesAndStores() async throws {
        try await CacheFixture.with("dashboard") { fixture in
            try await Self.seedDashboard(fixture)
            let outcome = try await fixture.refresh("dashboard")
            #expect(outcome.computed)
            #expect(outcome.rows == 1)
            let computedAt = try #require(outcome.computedAt)

            let keys = fixture.keys("dashboard")
            let stored = try #require(try await fixture.redis.send(RedisCommand("HMGET", .string(keys.value), "value", "computed_at", "ttl_ms")).array)
            #expect(stored[1].int == Int(computedAt.microseconds))
            #expect(stored[2].int == 300_000)
            let expiry = try #require(try await fixture.redis.send(RedisCommand("PTTL", .string(keys.value))).int)
            #expect(expiry > 0 && expiry <= 300_000)
            #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(keys.lock))).int == 0)

            let json = try #require(stored[0].bytes)
            let value = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
            #expect(value["products"] as? Int == 3)
            #expect(value["units"] as? Int == 6)
            #expect(value["value_cents"] as? Int == 1200)
            #expect(value["imports_last_day"] as? Int == 2)
            #expect(value["rows_last_day"] as? Int == 15)
            #expect(value["failures_last_day"] as? Int == 1)
            #expect(value["jobs_last_hour"] as? Int == 4)
            #expect(value["success_rate_last_hour"] as? Double == 0.75)
            #expect(value["p95_run_ms_last_hour"] as? Double == 38.5)
        }
    }

    @Test("a tenant without data gets zeros, and nulls where there is nothing to measure")
    func emptyTenant() async throws {
        try await CacheFixture.with("empty") { fixture in
            #expect(try await fixture.refresh("dashboard").computed)
            let json = try #require(try await fixture.redis.send(RedisCommand("HGET", .string(fixture.keys("dashboard").value), "value")).bytes)
            let value = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
            #expect(value["products"] as? Int == 0)
            #expect(value["value_cents"] as? Int == 0)
            #expect(value["jobs_last_hour"] as? Int == 0)
            #expect(value["success_rate_last_hour"] is NSNull)
            #expect(value["p95_run_ms_last_hour"] is NSNull)
        }
    }

    @Test("single flight: a refresh that arrives while another computes the value ends without computing")
    func singleFlight() async throws {
        let (lockKey, catalogue) = try Self.waitingOnAnAdvisoryLock()
        try await CacheFixture.with("single-flight", catalogue: catalogue) { fixture in
            let blocker = try await fixture.pool.acquire()
            // In a transaction, which keeps its server connection through a transaction pooler too.
            try await blocker.connection.execute("BEGIN")
            try await blocker.connection.execute("SELECT pg_advisory_xact_lock($1)", [lockKey])
            let first = Task { try await fixture.refresh("figures") }
            let waiting = try await eventually(timeout: .seconds(20)) {
                try await fixture.pool.withConnection { connection in
                    let result = try await connection.query(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1", [lockKey]
                    )
                    return result.rows.first?[0] == "1"
                }
            }
            #expect(waiting)

            let pendingJob = JobID(in: .default)
            _ = try await fixture.store.request(
                tenant: fixture.tenant, name: "figures", candidate: pendingJob, pendingFor: .seconds(60), refresh: true
            )
            let second = try await fixture.refresh("figures", job: pendingJob)
            #expect(!second.computed)
            #expect(second.computedAt == nil)
            // The skipped job will not store the value: requests now enqueue another.
            #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(fixture.keys("figures").pending))).int == 0)

            try await blocker.connection.execute("COMMIT")
            fixture.pool.release(blocker)
            let firstOutcome = try await first.value
            #expect(firstOutcome.computed)
            let json = try await fixture.redis.send(RedisCommand("HGET", .string(fixture.keys("figures").value), "value")).string
            #expect(json == #"{"tenant":"\#(fixture.tenant)","state":"done"}"#)

            // The lock went with the first refresh: the next one computes.
            #expect(try await fixture.refresh("figures").computed)
        }
    }

    @Test("a refresh whose attempt is cancelled (its timeout) still releases its lock")
    func cancelled() async throws {
        let (lockKey, catalogue) = try Self.waitingOnAnAdvisoryLock()
        try await CacheFixture.with("cancelled", catalogue: catalogue) { fixture in
            let blocker = try await fixture.pool.acquire()
            // In a transaction, which keeps its server connection through a transaction pooler too.
            try await blocker.connection.execute("BEGIN")
            try await blocker.connection.execute("SELECT pg_advisory_xact_lock($1)", [lockKey])
            let refresh = Task { try await fixture.refresh("figures") }
            let locked = try await eventually(timeout: .seconds(20)) {
                try await fixture.redis.send(RedisCommand("EXISTS", .string(fixture.keys("figures").lock))).int == 1
            }
            #expect(locked)
            refresh.cancel()
            try await blocker.connection.execute("COMMIT")
            fixture.pool.release(blocker)
            _ = await refresh.result
            #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(fixture.keys("figures").lock))).int == 0)
        }
    }

    @Test("a failing query releases the lock, keeps the pending job until its last attempt, and stores nothing")
    func failure() async throws {
        let catalogue = try CacheFixture.catalogue("-- ttl 1m\nSELECT :tenant AS tenant, 1 / (length(:tenant) - length(:tenant)) AS boom")
        try await CacheFixture.with("failing", catalogue: catalogue) { fixture in
            let keys = fixture.keys("figures")
            let job = JobID(in: .default)
            _ = try await fixture.store.request(tenant: fixture.tenant, name: "figures", candidate: job, pendingFor: .seconds(60), refresh: true)
            await #expect(throws: PostgresError.self) { try await fixture.refresh("figures", job: job) }
            #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(keys.lock), .string(keys.value))).int == 0)
            #expect(try await fixture.redis.send(RedisCommand("GET", .string(keys.pending))).string == job.description)

            await #expect(throws: PostgresError.self) { try await fixture.refresh("figures", job: job, isLastAttempt: true) }
            #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(keys.pending))).int == 0)
        }
    }

    @Test("a 'result row' query that returns several rows fails for good, naming its file")
    func wrongShape() async throws {
        let catalogue = try CacheFixture.catalogue("-- ttl 1m\nSELECT :tenant AS tenant FROM generate_series(1, 2)")
        try await CacheFixture.with("shape", catalogue: catalogue) { fixture in
            await #expect {
                try await fixture.refresh("figures")
            } throws: { error in
                (error as? PermanentJobError)?.reason.hasPrefix("jobs/caches/figures.sql: the query returned more than one row") == true
            }
        }
    }

    @Test("a 'result rows' value is an array of objects in the query's order, empty without rows")
    func rows() async throws {
        let catalogue = try CacheFixture.catalogue(
            "-- ttl 1m\n-- result rows\nSELECT n, :tenant = '' AS empty FROM generate_series(1, 3) AS n ORDER BY n DESC"
        )
        try await CacheFixture.with("rows", catalogue: catalogue) { fixture in
            let outcome = try await fixture.refresh("figures")
            #expect(outcome.rows == 3)
            let json = try await fixture.redis.send(RedisCommand("HGET", .string(fixture.keys("figures").value), "value")).string
            #expect(json == #"[{"n":3,"empty":false},{"n":2,"empty":false},{"n":1,"empty":false}]"#)
        }
        let none = try CacheFixture.catalogue("-- ttl 1m\n-- result rows\nSELECT 1 AS n WHERE :tenant = ''")
        try await CacheFixture.with("no-rows", catalogue: none) { fixture async throws in
            #expect(try await fixture.refresh("figures").rows == 0)
            #expect(try await fixture.redis.send(RedisCommand("HGET", .string(fixture.keys("figures").value), "value")).string == "[]")
        }
    }

    @Test("requests for a missing value name one refresh job until it stores the value, then get the value")
    func pendingMarker() async throws {
        let catalogue = try CacheFixture.catalogue("-- ttl 1m\nSELECT :tenant AS tenant")
        try await CacheFixture.with("pending", catalogue: catalogue) { fixture in
            let first = JobID(in: .default)
            guard case .refresh(let named) = try await fixture.store.request(
                tenant: fixture.tenant, name: "figures", candidate: first, pendingFor: .seconds(60), refresh: false
            ) else { Issue.record("a missing value was answered with a value"); return }
            #expect(named == first)
            guard case .refresh(let again) = try await fixture.store.request(
                tenant: fixture.tenant, name: "figures", candidate: JobID(in: .default), pendingFor: .seconds(60), refresh: false
            ) else { Issue.record("a missing value was answered with a value"); return }
            #expect(again == first)

            #expect(try await fixture.refresh("figures", job: first).computed)
            guard case .value(let entry) = try await fixture.store.request(
                tenant: fixture.tenant, name: "figures", candidate: JobID(in: .default), pendingFor: .seconds(60), refresh: false
            ) else { Issue.record("a stored value was not served"); return }
            #expect(String(decoding: entry.json, as: UTF8.self) == #"{"tenant":"\#(fixture.tenant)"}"#)
            #expect(entry.ttl == .seconds(60))
            #expect(entry.age >= .zero)
        }
    }
}
