import ConveyorAPI
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Outages: 503 while a server is down, and recovery by itself")
struct OutageTests {
    @Test("Redis stops: requests are 503 with Retry-After; Redis returns: the API serves again without a restart")
    func redisRestart() async throws {
        let redis = try await PrivateRedis()
        let queue = TestEnvironment.uniqueQueue("outage")
        var configuration = APITestApp.configuration()
        configuration.rateLimits = APIConfiguration.defaultRateLimits
        try await APITestApp.run(redisURL: redis.url, configuration: configuration) { client, _ in
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#).status == .accepted)
            try await redis.stop()
            let refused = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#)
            try refused.expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "Redis is unavailable")
            #expect(refused.headers[.retryAfter] == "5")
            try await client.get("/ready", as: nil).expectProblem(.serviceUnavailable, type: "not-ready", naming: "Redis is down")

            try await redis.start()
            let recovered = try await eventually(timeout: .seconds(20), interval: .milliseconds(200)) {
                try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#).status == .accepted
            }
            #expect(recovered)
            #expect(try await eventually(timeout: .seconds(5)) { try await client.get("/ready", as: nil).status == .ok })
        }
    }

    @Test("PostgreSQL unreachable: /ready is 503 naming it, while enqueueing, which needs only Redis, goes on")
    func postgresDown() async throws {
        let queue = TestEnvironment.uniqueQueue("outage-pg")
        try await APITestApp.run(databaseURL: "postgres://conveyor@127.0.0.1:1/conveyor") { client, _ in
            try await client.get("/ready", as: nil).expectProblem(.serviceUnavailable, type: "not-ready", naming: "PostgreSQL is down")
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#).status == .accepted)
            let upload = try await client.send(
                "/v1/imports/products", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: #"{"sku":"X-1","name":"X","price_cents":1,"quantity":1}"# + "\n")
            )
            try upload.expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "PostgreSQL is unavailable")
            #expect(upload.headers[.retryAfter] == "5")
        }
    }

    @Test("PostgreSQL cut off, then back: imports are 503 meanwhile, then accepted again without a restart")
    func postgresReturns() async throws {
        var database = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        let relay = try TCPRelay(toPort: UInt16(try #require(database.port)))
        // Its accept loop would otherwise stay blocked for the rest of the test process.
        defer { relay.cut() }
        database.port = Int(relay.port)
        let upload = { @Sendable (client: any TestClientProtocol) in
            try await client.send(
                "/v1/imports/products", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: #"{"sku":"OUT-1","name":"X","price_cents":1,"quantity":1}"# + "\n")
            )
        }
        try await APITestApp.run(databaseURL: try #require(database.url).absoluteString) { client, _ in
            #expect(try await client.get("/ready", as: nil).status == .ok)
            #expect(try await upload(client).status == .accepted)

            relay.cut()
            // /ready gives a check's answer for a second.
            #expect(try await eventually(timeout: .seconds(5)) { try await client.get("/ready", as: nil).status == .serviceUnavailable })
            try await client.get("/ready", as: nil).expectProblem(.serviceUnavailable, type: "not-ready", naming: "PostgreSQL is down")
            let refused = try await upload(client)
            try refused.expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "PostgreSQL is unavailable")
            #expect(refused.headers[.retryAfter] == "5")

            try relay.restore()
            let recovered = try await eventually(timeout: .seconds(20), interval: .milliseconds(200)) {
                try await upload(client).status == .accepted
            }
            #expect(recovered)
            #expect(try await eventually(timeout: .seconds(5)) { try await client.get("/ready", as: nil).status == .ok })
        }
    }
}
