import ConveyorAPI
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/caches`: values served from Redis, 202 and one refresh job while a value is
/// missing, a real worker computing it, and each tenant seeing its own value only.
@Suite("Cache endpoints", .serialized)
struct CachesEndpointTests {
    /// The test keys' tenants are shared by every run: their dashboards are removed first.
    private static func forgetDashboards(_ redis: RedisClient) async throws {
        for key in TestKey.allCases {
            let prefix = "conveyor:cache:{\(key.tenant):dashboard}"
            try await redis.send(RedisCommand("DEL", .string(prefix + ":value"), .string(prefix + ":lock"), .string(prefix + ":pending")))
        }
    }

    private static func startWorker(_ queue: QueueName) async throws -> ConveyorProcess {
        let worker = try ConveyorProcess(["worker", "--queues", queue.rawValue])
        let started = try await eventually(timeout: .seconds(20)) {
            worker.logLines.contains { ($0["msg"] as? String) == "worker started" }
        }
        try #require(started, "the worker did not start: \(worker.output)")
        return worker
    }

    private static func stop(_ worker: ConveyorProcess) async throws {
        worker.signal(SIGTERM)
        _ = try await worker.waitForExit(timeout: .seconds(30))
    }

    @Test("GET before the value is computed: 202 and one refresh job however often asked; a worker runs it; then 200 with the value and its age")
    func computedOnDemand() async throws {
        let cacheQueue = TestEnvironment.uniqueQueue("api-caches")
        try await APITestApp.run(cacheQueue: cacheQueue) { client, services in
            try await Self.forgetDashboards(services.redis)
            let first = try await client.get("/v1/caches/dashboard")
            #expect(first.status == .accepted, "body: \(String(buffer: first.body))")
            #expect(first.headers[.retryAfter] == "1")
            let jobID = try #require(try first.json["job_id"] as? String)
            #expect(first.headers[.location] == "/v1/jobs/\(jobID)")
            #expect(try first.json["state"] as? String == "refreshing")
            #expect(try first.json["tenant"] as? String == "tenant-a")

            for _ in 0..<5 {
                let again = try await client.get("/v1/caches/dashboard")
                #expect(again.status == .accepted)
                #expect(try again.json["job_id"] as? String == jobID)
            }
            let refresh = try await client.post("/v1/caches/dashboard/refresh", json: "")
            #expect(refresh.status == .accepted)
            #expect(try refresh.json["job_id"] as? String == jobID)
            #expect(try await services.queue.statistics(of: cacheQueue).depth == 1)
            let job = try #require(try await services.queue.job(try JobID(jobID)))
            #expect(job.kind == "cache_refresh")
            #expect(job.tenant == "tenant-a")

            let worker = try await Self.startWorker(cacheQueue)
            let served = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                try await client.get("/v1/caches/dashboard").status == .ok
            }
            #expect(served, "worker output: \(worker.output)")
            try await Self.stop(worker)

            let response = try await client.get("/v1/caches/dashboard")
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["name"] as? String == "dashboard")
            #expect(body["tenant"] as? String == "tenant-a")
            #expect(body["ttl"] as? Int == 300)
            #expect((body["age_seconds"] as? Double).map { $0 >= 0 } == true)
            #expect(body["computed_at"] is String && body["expires_at"] is String)
            let value = try #require(body["value"] as? [String: Any])
            #expect(value["products"] is Int && value["jobs_last_hour"] is Int)
            #expect(response.headers[.age].flatMap(Int.init).map { $0 >= 0 } == true)
            #expect(response.headers[.cacheControl]?.hasPrefix("private, max-age=") == true)

            let attempt = try #require(worker.attemptLines.first { $0["kind"] as? String == "cache_refresh" })
            #expect(attempt["rows"] as? Int == 1)
            #expect(attempt["db_ms"] != nil && attempt["db_pool_wait_ms"] != nil)
            #expect(try await services.queue.job(try JobID(jobID))?.state == .succeeded)
        }
    }

    @Test("tenant isolation: a value computed for tenant A is not served to tenant B, whose request starts its own refresh")
    func tenantIsolation() async throws {
        let cacheQueue = TestEnvironment.uniqueQueue("api-caches-tenants")
        try await APITestApp.run(cacheQueue: cacheQueue) { client, services in
            try await Self.forgetDashboards(services.redis)
            let worker = try await Self.startWorker(cacheQueue)
            _ = try await client.post("/v1/caches/dashboard/refresh", json: "", as: .producerA)
            let served = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                try await client.get("/v1/caches/dashboard", as: .producerA).status == .ok
            }
            #expect(served, "worker output: \(worker.output)")
            try await Self.stop(worker)

            let other = try await client.get("/v1/caches/dashboard", as: .producerB)
            #expect(other.status == .accepted)
            #expect(try other.json["tenant"] as? String == "tenant-b")
            let otherJobID = try #require(try other.json["job_id"] as? String)
            let otherJob = try #require(try await services.queue.job(try JobID(otherJobID)))
            #expect(otherJob.tenant == "tenant-b")
            #expect(try await client.get("/v1/caches/dashboard", as: .producerA).json["tenant"] as? String == "tenant-a")
        }
    }

    @Test("an unknown value is a 404 naming the known ones, on GET and on refresh")
    func unknownValue() async throws {
        try await APITestApp.run { client, services in
            let body = try await client.get("/v1/caches/dashbord").expectProblem(.notFound, type: "not-found", naming: "known values are dashboard, exchange-rates")
            #expect(body["known_caches"] as? [String] == ["dashboard", "exchange-rates"])
            try await client.post("/v1/caches/nothing/refresh", json: "").expectProblem(.notFound, type: "not-found", naming: "'nothing'")
            try await client.get("/v1/caches/dashboard", as: nil).expectProblem(.unauthorized, type: "unauthorized", naming: "Bearer")
        }
    }
}
