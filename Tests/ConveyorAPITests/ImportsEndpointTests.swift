@testable import ConveyorAPI
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("POST /v1/imports/{dataset} and GET /v1/imports/{id}")
struct ImportsEndpointTests {
    /// `count` products rows as NDJSON, one per line; the row at `badLine` (if any) has a
    /// price that is not a number.
    private static func ndjson(_ count: Int, badLine: Int? = nil) -> String {
        (1...count).map { line in
            let price = line == badLine ? #""cheap""# : "\(line * 10)"
            return #"{"sku":"SKU-\#(line)","name":"Product \#(line)","price_cents":\#(price),"quantity":\#(line % 7)}"#
        }.joined(separator: "\n") + "\n"
    }

    private func upload(
        _ client: some TestClientProtocol, _ body: String, contentType: String = "application/x-ndjson", query: String = "",
        dataset: String = "products"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/imports/\(dataset)\(query)", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body)
        )
    }

    @Test("an upload is accepted whole with 202 and Location, split into chunk jobs on the import queue, and reports its progress")
    func accepted() async throws {
        let importQueue = TestEnvironment.uniqueQueue("api-imports")
        let tenant = "t-\(UInt32.random(in: 0 ... .max))"
        try await APITestApp.run(configuration: APIConfiguration(defaultTenant: tenant), importQueue: importQueue) { client, services in
            let response = try await upload(client, Self.ndjson(25), query: "?chunk_size=10&on_conflict=update")
            #expect(response.status == .accepted, "body: \(String(buffer: response.body))")
            let receipt = try response.json
            let id = try #require(receipt["id"] as? String)
            #expect(response.headers[.location] == "/v1/imports/\(id)")
            #expect(receipt["rows"] as? Int == 25)
            #expect(receipt["chunks"] as? Int == 3)
            #expect(receipt["on_conflict"] as? String == "update")
            #expect(receipt["state"] as? String == "queued")

            let statistics = try await services.queue.statistics(of: importQueue)
            #expect(statistics.depth == 3)

            let progress = try await client.get("/v1/imports/\(id)")
            #expect(progress.status == .ok)
            let body = try progress.json
            #expect(body["tenant"] as? String == tenant)
            #expect((body["chunks"] as? [String: Any])?["total"] as? Int == 3)
            #expect((body["rows"] as? [String: Any])?["total"] as? Int == 25)
            #expect(body["request_id"] as? String == progress.headers[.requestID] || body["request_id"] as? String == response.headers[.requestID])
        }
    }

    @Test("a bad row is refused with 422 naming its line and field, in NDJSON, CSV and a JSON array; nothing is enqueued")
    func invalidRows() async throws {
        let importQueue = TestEnvironment.uniqueQueue("api-imports-bad")
        try await APITestApp.run(importQueue: importQueue) { client, services in
            let ndjson = try await upload(client, Self.ndjson(40, badLine: 37))
            let problem = try ndjson.expectProblem(.unprocessableContent, type: "invalid-rows", naming: "line 37")
            let first = try #require((problem["errors"] as? [[String: Any]])?.first)
            #expect(first["line"] as? Int == 37)
            #expect(first["field"] as? String == "price_cents")

            let csv = "sku,name,price_cents,quantity\nA-1,First,100,1\nA-2,Second,lots,2\n"
            let csvProblem = try await upload(client, csv, contentType: "text/csv")
                .expectProblem(.unprocessableContent, type: "invalid-rows", naming: "line 3")
            #expect((csvProblem["errors"] as? [[String: Any]])?.first?["line"] as? Int == 3)

            let array = "[\n" + #"{"sku":"B-1","name":"One","price_cents":1,"quantity":1},"# + "\n" + #"{"sku":"B-2","name":"Two","quantity":2}"# + "\n]"
            let arrayProblem = try await upload(client, array, contentType: "application/json")
                .expectProblem(.unprocessableContent, type: "invalid-rows", naming: "price_cents")
            #expect((arrayProblem["errors"] as? [[String: Any]])?.first?["line"] as? Int == 3)

            let statistics = try await services.queue.statistics(of: importQueue)
            #expect(statistics.depth == 0)
        }
    }

    @Test("every refusal at the door is a problem naming what to fix")
    func refusals() async throws {
        try await APITestApp.run(configuration: APIConfiguration(maxBodyBytes: 4096)) { client, _ in
            try await upload(client, Self.ndjson(2), dataset: "nosuch")
                .expectProblem(.notFound, type: "not-found", naming: "products")
            try await upload(client, Self.ndjson(2), contentType: "application/xml")
                .expectProblem(.unsupportedMediaType, type: "unsupported-format", naming: "application/xml")
            try await upload(client, "")
                .expectProblem(.badRequest, type: "empty-body", naming: "empty")
            try await upload(client, Self.ndjson(2), query: "?on_conflict=merge")
                .expectProblem(.badRequest, type: "invalid-option", naming: "on_conflict")
            try await upload(client, Self.ndjson(2), query: "?chunk_size=0")
                .expectProblem(.badRequest, type: "invalid-option", naming: "chunk_size")
            try await upload(client, Self.ndjson(200))
                .expectProblem(.contentTooLarge, type: "body-too-large", naming: "4096 bytes")
            try await upload(client, "{\"sku\": \n")
                .expectProblem(.unprocessableContent, type: "invalid-rows", naming: "line 1")
            try await client.get("/v1/imports/01NOSUCHIMPORT")
                .expectProblem(.notFound, type: "not-found", naming: "01NOSUCHIMPORT")
        }
    }
}
