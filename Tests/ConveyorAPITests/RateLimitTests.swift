import ConveyorAPI
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Rate limits per key, counted in Redis")
struct RateLimitTests {
    /// A key no other test uses, so that its count in Redis is this test's alone.
    private static func uniqueKey(role: APIRole = .producer) -> (key: APIKey, line: String, authorization: String) {
        let name = "rl-\(UInt64.random(in: 0 ... .max))"
        let secret = "secret-\(name)-0123456789"
        return (
            APIKey(name: name, role: role, tenant: "tenant-a", secret: secret), "\(name) \(role.rawValue) tenant-a \(secret)",
            "Bearer \(secret)"
        )
    }

    @Test("every response under a limit says where the key stands; past it, 429 with Retry-After, and nothing is done")
    func limit() async throws {
        let queue = TestEnvironment.uniqueQueue("ratelimit")
        let (key, _, authorization) = Self.uniqueKey()
        var configuration = APITestApp.configuration()
        configuration.keyring = try APIKeyring(keys: [key])
        configuration.rateLimits = [.producer: RateLimit(requests: 3, window: .seconds(60))]
        try await APITestApp.run(configuration: configuration) { client, services in
            var remaining: [String?] = []
            for _ in 1...3 {
                let response = try await client.post(
                    "/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, headers: [.authorization: authorization], as: nil
                )
                #expect(response.status == .accepted)
                #expect(response.headers[.rateLimitLimit] == "3")
                let reset = try #require(response.headers[.rateLimitReset].flatMap(Int.init))
                #expect((1...60).contains(reset))
                remaining.append(response.headers[.rateLimitRemaining])
            }
            #expect(remaining == ["2", "1", "0"])

            let refused = try await client.post(
                "/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, headers: [.authorization: authorization], as: nil
            )
            try refused.expectProblem(.tooManyRequests, type: "rate-limited", naming: "this key may make 3 requests per 60 s")
            #expect(refused.headers[.rateLimitRemaining] == "0")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(try await services.queue.statistics(of: queue).depth == 3)

            // Errors of the routes behind the limit carry the headers too.
            let missing = try await client.get("/v1/jobs/nope", headers: [.authorization: authorization], as: nil)
            #expect(missing.status == .tooManyRequests)
        }
    }

    @Test("a role without a limit gets no rate-limit headers; a key's count is its own")
    func unlimitedRoleAndSeparateKeys() async throws {
        let producer = Self.uniqueKey()
        let admin = Self.uniqueKey(role: .admin)
        var configuration = APITestApp.configuration()
        configuration.keyring = try APIKeyring(keys: [producer.key, admin.key, Self.uniqueKey().key])
        configuration.rateLimits = [.producer: RateLimit(requests: 1, window: .seconds(60))]
        try await APITestApp.run(configuration: configuration) { client, _ in
            for _ in 1...3 {
                let response = try await client.get("/v1/queues", headers: [.authorization: admin.authorization], as: nil)
                #expect(response.status == .ok)
                #expect(response.headers[.rateLimitLimit] == nil)
            }
            #expect(try await client.get("/v1/jobs/nope", headers: [.authorization: producer.authorization], as: nil).status == .notFound)
            #expect(try await client.get("/v1/jobs/nope", headers: [.authorization: producer.authorization], as: nil).status == .tooManyRequests)
        }
    }

    @Test("two API processes share one limit")
    func sharedAcrossProcesses() async throws {
        let (_, line, authorization) = Self.uniqueKey()
        let environment = ["CONVEYOR_API_KEYS": line]
        let (first, firstPort) = try await APIProcessTests.startAPI(["--producer-rate-limit", "4/1m"], environment: environment)
        let (second, secondPort) = try await APIProcessTests.startAPI(["--producer-rate-limit", "4/1m"], environment: environment)
        var statuses: [(Int, HTTPResponse.Status, String?)] = []
        for (index, port) in [firstPort, secondPort, firstPort, secondPort, firstPort, secondPort].enumerated() {
            let client = TestClient(host: "127.0.0.1", port: port)
            client.connect()
            let response = try await client.send("/v1/jobs/nope", method: .get, headers: [.authorization: authorization], as: nil)
            statuses.append((index, response.status, response.headers[.rateLimitRemaining]))
            try await client.shutdown()
        }
        #expect(statuses.map(\.1) == [.notFound, .notFound, .notFound, .notFound, .tooManyRequests, .tooManyRequests])
        #expect(statuses.map(\.2) == ["3", "2", "1", "0", "0", "0"])
        first.signal(SIGTERM)
        second.signal(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(15)) == 0)
        #expect(try await second.waitForExit(timeout: .seconds(15)) == 0)
    }

    @Test("a large limit is taken from Redis in batches of 1 %, spent locally")
    func batches() async throws {
        let (key, _, authorization) = Self.uniqueKey()
        var configuration = APITestApp.configuration()
        configuration.keyring = try APIKeyring(keys: [key])
        configuration.rateLimits = [.producer: RateLimit(requests: 1000, window: .seconds(60))]
        try await APITestApp.run(configuration: configuration) { client, services in
            func counted() async throws -> Int? {
                try await services.redis.send(RedisCommand("GET", .string("conveyor:ratelimit:\(key.name)"))).int
            }
            var remaining: [String?] = []
            for request in 1...11 {
                remaining.append(try await client.get("/v1/jobs/nope", headers: [.authorization: authorization], as: nil).headers[.rateLimitRemaining])
                if request == 1 { #expect(try await counted() == 10) }
            }
            #expect(try await counted() == 20)
            #expect(remaining == (989...999).reversed().map { String($0) })
        }
    }
}
