import ConveyorAPI
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
            #expect((checks["redis"]?["error"] as? String)?.isEmpty == false)
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
}
