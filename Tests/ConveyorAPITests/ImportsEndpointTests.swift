import ConveyorExternal
@testable import ConveyorAPI
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import HTTPTypes
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
        dataset: String = "products", headers: HTTPFields = [:], as key: TestKey = .producerA
    ) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = contentType
        return try await client.send("/v1/imports/\(dataset)\(query)", method: .post, headers: headers, body: ByteBuffer(string: body), as: key)
    }

    @Test("an upload is accepted whole with 202 and Location, split into chunk jobs on the import queue, and reports its progress")
    func accepted() async throws {
        let importQueue = TestEnvironment.uniqueQueue("api-imports")
        let tenant = TestKey.producerA.tenant
        try await APITestApp.run(importQueue: importQueue) { client, services in
            let response = try await upload(client, Self.ndjson(25), query: "?chunk_size=10&on_conflict=update")
            #expect(response.status == .accepted, "body: \(String(buffer: response.body))")
            let receipt = try response.json
            let id = try #require(receipt["id"] as? String)
            #expect(response.headers[.location] == "/v1/imports/\(id)")
            #expect(receipt["rows"] as? Int == 25)
            #expect(receipt["chunks"] as? Int == 3)
            #expect(receipt["on_conflict"] as? String == "update")
            #expect(receipt["state"] as? String == "queued")

            // Delivered by the intake, or, when another process's outbox relay took the
            // entry first, by that relay a moment later.
            let delivered = try await eventually(timeout: .seconds(5)) {
                try await services.queue.statistics(of: importQueue).depth == 3
            }
            #expect(delivered, "the chunk jobs did not reach the import queue")

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

    @Test("an upload with a callback_url keeps it: the receipt and the progress show it")
    func callbackURL() async throws {
        try await APITestApp.run { client, _ in
            let url = "https://hooks.example.com/imports?source=conveyor"
            let response = try await upload(client, Self.ndjson(3), query: "?callback_url=https%3A%2F%2Fhooks.example.com%2Fimports%3Fsource%3Dconveyor")
            #expect(response.status == .accepted, "body: \(String(buffer: response.body))")
            let receipt = try response.json
            #expect(receipt["callback_url"] as? String == url)
            let id = try #require(receipt["id"] as? String)
            #expect(try await client.get("/v1/imports/\(id)").json["callback_url"] as? String == url)

            let plain = try await upload(client, Self.ndjson(3)).json
            #expect(plain["callback_url"] == nil)
        }
    }

    @Test("a callback_url to an internal address is refused at the door naming the rule, and nothing is stored")
    func internalCallbackURL() async throws {
        try await APITestApp.run { client, services in
            let stored = { @Sendable (url: String) async throws -> Int in
                try await services.database.withConnection { connection in
                    try await connection.query("SELECT count(*)::bigint AS n FROM conveyor_imports WHERE callback_url = $1", [url])
                        .rows[0].decode("n")
                }
            }
            let run = UUID().uuidString
            for (url, rule) in [
                ("http://127.0.0.1:8089/hook/\(run)", "is a refused address (loopback)"),
                ("http://[::1]:8089/hook/\(run)", "is a refused address (loopback)"),
                ("http://169.254.169.254/latest/meta-data/\(run)", "is a refused address (cloud metadata)"),
                ("http://localhost:8089/hook/\(run)", "resolves to a refused address ("),
                ("https://10.0.0.8/hook/\(run)", "is a refused address (private (RFC 1918))"),
                ("http://[::ffff:192.168.0.1]/hook/\(run)", "is a refused address (IPv6 form of private (RFC 1918))"),
            ] {
                let query = "?callback_url=" + url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let refused = try await upload(client, Self.ndjson(2), query: query)
                    .expectProblem(.unprocessableContent, type: "invalid-option", naming: "callback_url: host '")
                #expect((refused["detail"] as? String)?.contains(rule) == true, "\(url): \(refused["detail"] ?? "")")
                #expect((refused["detail"] as? String)?.contains("127.0.0.1") != true || url.contains("127.0.0.1"))
                #expect(try await stored(url) == 0)
            }
        }
        // The operator's exception lets the same URL through.
        try await APITestApp.run(outbound: try OutboundPolicy(allowing: "127.0.0.1")) { client, _ in
            let query = "?callback_url=" + "http://127.0.0.1:8089/hook".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let response = try await upload(client, Self.ndjson(2), query: query)
            #expect(response.status == .accepted)
        }
    }

    @Test("every refusal at the door is a problem naming what to fix")
    func refusals() async throws {
        var configuration = APITestApp.configuration()
        configuration.maxBodyBytes = 4096
        try await APITestApp.run(configuration: configuration) { client, _ in
            try await upload(client, Self.ndjson(2), dataset: "nosuch")
                .expectProblem(.notFound, type: "not-found", naming: "products")
            try await upload(client, Self.ndjson(2), contentType: "application/xml")
                .expectProblem(.unsupportedMediaType, type: "unsupported-format", naming: "application/xml")
            try await upload(client, "")
                .expectProblem(.badRequest, type: "empty-body", naming: "empty")
            try await upload(client, Self.ndjson(2), query: "?on_conflict=merge")
                .expectProblem(.unprocessableContent, type: "invalid-option", naming: "on_conflict")
            try await upload(client, Self.ndjson(2), query: "?chunk_size=0")
                .expectProblem(.unprocessableContent, type: "invalid-option", naming: "chunk_size")
            try await upload(client, Self.ndjson(2), query: "?callback_url=ftp%3A%2F%2Fexample.com%2Fhook")
                .expectProblem(.unprocessableContent, type: "invalid-option", naming: "callback_url")
            try await upload(client, Self.ndjson(2), query: "?callback_url=%2Fhook")
                .expectProblem(.unprocessableContent, type: "invalid-option", naming: "is not an absolute URL")
            try await upload(client, Self.ndjson(200))
                .expectProblem(.contentTooLarge, type: "body-too-large", naming: "4096 bytes")
            try await upload(client, "{\"sku\": \n")
                .expectProblem(.unprocessableContent, type: "invalid-rows", naming: "line 1")
            try await client.get("/v1/imports/01NOSUCHIMPORT")
                .expectProblem(.notFound, type: "not-found", naming: "01NOSUCHIMPORT")
        }
    }

    @Test("a producer of tenant B cannot see tenant A's import: the same 404 as for one that does not exist; an admin can")
    func tenantIsolation() async throws {
        try await APITestApp.run { client, _ in
            let response = try await upload(client, Self.ndjson(3), as: .producerA)
            let id = try #require(try response.json["id"] as? String)
            #expect(try await client.get("/v1/imports/\(id)", as: .producerA).status == .ok)
            let missing = try await client.get("/v1/imports/01NOSUCHIMPORT", as: .producerB)
                .expectProblem(.notFound, type: "not-found", naming: "there is no import")
            let hidden = try await client.get("/v1/imports/\(id)", as: .producerB)
                .expectProblem(.notFound, type: "not-found", naming: "there is no import '\(id)'")
            #expect((hidden["detail"] as? String)?.replacingOccurrences(of: id, with: "01NOSUCHIMPORT") == missing["detail"] as? String)
            #expect(try await client.get("/v1/imports/\(id)", as: .admin).json["tenant"] as? String == "tenant-a")
        }
    }

    @Test("an upload repeated with its Idempotency-Key gets the first answer and makes no second import")
    func idempotentUpload() async throws {
        let importQueue = TestEnvironment.uniqueQueue("api-imports-idem")
        try await APITestApp.run(importQueue: importQueue) { client, services in
            let key = "upload-\(UUID().uuidString)"
            let first = try await upload(client, Self.ndjson(12), query: "?chunk_size=5", headers: [.idempotencyKey: key])
            let again = try await upload(client, Self.ndjson(12), query: "?chunk_size=5", headers: [.idempotencyKey: key])
            #expect(first.status == .accepted && again.status == .accepted)
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(try again.json["id"] as? String == first.json["id"] as? String)
            #expect(try await services.queue.statistics(of: importQueue).depth == 3)
            try await upload(client, Self.ndjson(13), query: "?chunk_size=5", headers: [.idempotencyKey: key])
                .expectProblem(.conflict, type: "idempotency-key-reused", naming: "another method, path or body")
        }
    }

    @Test("imported rows take the tenant of the key that uploaded them")
    func rowsTakeTheKeysTenant() async throws {
        let importQueue = TestEnvironment.uniqueQueue("api-imports-rows")
        let prefix = "T\(UInt32.random(in: 0 ... .max))-"
        let worker = try ConveyorProcess(["worker", "--queues", importQueue.rawValue])
        try await APITestApp.run(importQueue: importQueue) { client, services in
            let rows = (1...4).map { #"{"sku":"\#(prefix)\#($0)","name":"P","price_cents":1,"quantity":1}"# }.joined(separator: "\n")
            let id = try #require(try await upload(client, rows, as: .producerB).json["id"] as? String)
            let done = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                try await client.get("/v1/imports/\(id)", as: .producerB).json["state"] as? String == "succeeded"
            }
            #expect(done, "worker output: \(worker.output)")
            let tenants = try await services.database.withConnection { connection in
                try await connection.query("SELECT DISTINCT tenant FROM products WHERE sku LIKE $1", [prefix + "%"]).rows.map { try $0.decode("tenant", as: String.self) }
            }
            #expect(tenants == ["tenant-b"])
        }
        worker.signal(SIGTERM)
        _ = try await worker.waitForExit(timeout: .seconds(30))
    }
}
