import ConveyorAPI
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /ready and requests while a server is down")
struct ReadinessTests {
    @Test("ready with Redis and PostgreSQL up")
    func ready() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.get("/ready")
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["status"] as? String == "ready")
            let checks = try #require(body["checks"] as? [String: [String: Any]])
            #expect(checks["redis"]?["status"] as? String == "up")
            #expect(checks["postgres"]?["status"] as? String == "up")
        }
    }

    @Test("503 naming Redis when Redis is unreachable; PostgreSQL still reported up")
    func redisDown() async throws {
        try await APITestApp.run(redisURL: APITestApp.closedRedisURL) { client, _ in
            let response = try await client.get("/ready")
            let body = try response.expectProblem(.serviceUnavailable, type: "not-ready", naming: "Redis is down")
            #expect((body["detail"] as? String)?.contains("PostgreSQL is up") == true)
            #expect(response.headers[.retryAfter] == "5")
            let checks = try #require(body["checks"] as? [String: [String: Any]])
            #expect(checks["redis"]?["status"] as? String == "down")
            #expect(checks["redis"]?["error"] as? String == "unreachable")
            #expect(checks["postgres"]?["status"] as? String == "up")
        }
    }

    @Test("a job request while Redis is unreachable is a 503 problem with Retry-After")
    func enqueueWhileRedisDown() async throws {
        try await APITestApp.run(redisURL: APITestApp.closedRedisURL) { client, _ in
            let response = try await client.post("/v1/jobs", json: #"{"kind": "noop"}"#)
            try response.expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "Redis is unavailable")
            #expect(response.headers[.retryAfter] == "5")
            try await client.get("/v1/jobs/default.01J00000000000000000000000")
                .expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "Redis is unavailable")
        }
    }

    @Test("answers say which server is down, never its host, port, user or database")
    func answersHideWhereServersLive() async throws {
        let redisURL = "redis://127.0.0.1:1/7"
        let databaseURL = "postgres://hidden_user@127.0.0.1:1/hidden_database"
        try await APITestApp.run(redisURL: redisURL, databaseURL: databaseURL) { client, _ in
            let answers = [
                try await client.get("/ready", as: nil),
                try await client.post("/v1/jobs", json: #"{"kind": "noop"}"#),
                try await client.send(
                    "/v1/imports/products", method: .post, headers: [.contentType: "application/x-ndjson"],
                    body: ByteBuffer(string: #"{"sku":"X-1","name":"X","price_cents":1,"quantity":1}"# + "\n")
                ),
                try await client.get("/v1/exports/01J00000000000000000000000"),
            ]
            for answer in answers {
                #expect(answer.status == .serviceUnavailable)
                let body = String(buffer: answer.body)
                for secret in ["127.0.0.1", "hidden_user", "hidden_database", "redis://", "postgres://", "port", "refused", "errno"] {
                    #expect(!body.contains(secret), "the answer names '\(secret)': \(body)")
                }
            }
            let detail = try answers[0].json["detail"] as? String
            #expect(detail?.contains("Redis is down") == true && detail?.contains("PostgreSQL is down") == true)
        }
    }

    @Test("a flood of /ready costs Redis one check a second")
    func readinessIsCached() async throws {
        let redis = try await PrivateRedis()
        let pings = { @Sendable () async throws -> Int in
            let client = try TestEnvironment.redis(url: redis.url)
            let reply = try await client.send(RedisCommand("INFO", "commandstats"))
            await client.shutdown()
            let info = reply.string ?? ""
            let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_ping:") } ?? ""
            return Int(line.split(separator: ",").first?.split(separator: "=").last ?? "0") ?? 0
        }
        try await APITestApp.run(redisURL: redis.url) { client, _ in
            let before = try await pings()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<100 { group.addTask { try await client.get("/ready", as: nil).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let after = try await pings()
            #expect(statuses.allSatisfy { $0 == .ok })
            // The requests arrive within a second or two: one check each second at most.
            #expect(after - before <= 3, "\(after - before) PINGs for 100 readiness requests")
        }
    }
}
