import ConveyorAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Routing, headers and problems for every response")
struct RoutingTests {
    @Test("an unknown route is a 404 problem naming the method and path")
    func unknownRoute() async throws {
        try await APITestApp.run { client, _ in
            try await client.get("/v1/nothing-here")
                .expectProblem(.notFound, type: "not-found", naming: "there is no endpoint GET /v1/nothing-here")
            try await client.post("/v1/jobs/bulk/extra", json: "{}")
                .expectProblem(.notFound, type: "not-found", naming: "POST /v1/jobs/bulk/extra")
        }
    }

    @Test("a known path with another method is a 405 problem with Allow")
    func wrongMethod() async throws {
        try await APITestApp.run { client, _ in
            let jobs = try await client.send("/v1/jobs", method: .get)
            try jobs.expectProblem(.methodNotAllowed, type: "method-not-allowed", naming: "/v1/jobs does not take GET; use POST")
            #expect(jobs.headers[.allow] == "POST")
            let job = try await client.send("/v1/jobs/default.01J00000000000000000000000", method: .put)
            try job.expectProblem(.methodNotAllowed, type: "method-not-allowed", naming: "does not take PUT")
            #expect(job.headers[.allow] == "GET, DELETE, HEAD")
            let health = try await client.post("/health", json: "{}")
            try health.expectProblem(.methodNotAllowed, type: "method-not-allowed", naming: "/health does not take POST")
        }
    }

    @Test("HEAD works wherever GET does")
    func head() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.execute(uri: "/health", method: .head)
            #expect(response.status == .ok)
            #expect(response.headers[.requestID] != nil)
        }
    }

    @Test("GET /health is 200 with status ok, and carries the request id and response time")
    func health() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.get("/health", headers: [.requestID: "probe-1"])
            #expect(response.status == .ok)
            #expect(try response.json["status"] as? String == "ok")
            #expect(response.headers[.requestID] == "probe-1")
            #expect(response.headers[.responseTime]?.hasSuffix("ms") == true)
        }
    }
}
