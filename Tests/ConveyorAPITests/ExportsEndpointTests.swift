import ConveyorAPI
import ConveyorCore
import ConveyorExports
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Exports endpoint")
struct ExportsEndpointTests {
    @Test(
        "an export requested through the API is run by a worker and downloaded; another tenant sees neither record nor file",
        arguments: ExportSettings.Store.allCases
    )
    func requestRunDownload(store: ExportSettings.Store) async throws {
        let queue = TestEnvironment.uniqueQueue("api-exports")
        let settings = ExportSettings(store: store, folder: APITestApp.temporaryExportFolder())
        defer { try? FileManager.default.removeItem(atPath: settings.folder) }
        let category = "export-test-\(UInt32.random(in: 0 ... .max))"
        let worker = try ConveyorProcess(["worker", "--queues", queue.rawValue, "--export-store", store.rawValue, "--export-dir", settings.folder])
        try await APITestApp.run(exportSettings: settings, exportQueue: queue) { client, services in
            try await services.database.withConnection { connection in
                try await connection.execute(
                    """
                    INSERT INTO products (tenant, sku, name, category, price_cents, quantity)
                    SELECT 'tenant-a', $1 || '-' || n, 'Name, "quoted" ' || n, $1, n * 10, n FROM generate_series(1, 50) AS n
                    """,
                    [category]
                )
            }
            let accepted = try await client.post(
                "/v1/exports", json: #"{"export": "products", "format": "csv", "params": {"category": "\#(category)"}}"#, as: .producerA
            )
            #expect(accepted.status == .accepted)
            let id = try #require(try accepted.json["id"] as? String)
            #expect(accepted.headers[.location] == "/v1/exports/\(id)")
            #expect(try accepted.json["state"] as? String == "queued")

            let done = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                try await client.get("/v1/exports/\(id)", as: .producerA).json["state"] as? String == "succeeded"
            }
            #expect(done, "worker output: \(worker.output.suffix(3000))")
            let record = try await client.get("/v1/exports/\(id)", as: .producerA).json
            #expect(record["rows"] as? Int == 50)
            let jobID = try #require(record["job_id"] as? String)
            #expect(try await client.get("/v1/jobs/\(jobID)", as: .producerA).json["state"] as? String == "succeeded")
            #expect(record["file_url"] as? String == "/v1/exports/\(id)/file")

            let file = try await client.get("/v1/exports/\(id)/file", as: .producerA)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(file.headers[.contentLength] == String(file.body.readableBytes))
            #expect(file.headers[.contentDisposition] == "attachment; filename=\"products-\(id).csv\"")
            #expect(file.headers[.eTag] == "\"\(record["sha256"] as? String ?? "")\"")
            #expect(Hexadecimal.string(SHA256.hash(data: Array(file.body.readableBytesView))) == record["sha256"] as? String)
            let lines = String(buffer: file.body).split(separator: "\n")
            #expect(lines.first == "sku,name,category,price_cents,quantity,updated_at")
            #expect(lines.count == 51)
            let unchanged = try await client.get("/v1/exports/\(id)/file", headers: [.ifNoneMatch: file.headers[.eTag] ?? ""], as: .producerA)
            #expect(unchanged.status == .notModified)

            try await client.get("/v1/exports/\(id)", as: .producerB).expectProblem(.notFound, type: "not-found", naming: "there is no export")
            try await client.get("/v1/exports/\(id)/file", as: .producerB).expectProblem(.notFound, type: "not-found", naming: "there is no export")
            #expect(try await client.get("/v1/exports/\(id)", as: .admin).json["tenant"] as? String == "tenant-a")

            let json = try await client.post(
                "/v1/exports", json: #"{"export": "products", "format": "json", "params": {"category": "\#(category)"}}"#, as: .producerB
            )
            let otherID = try #require(try json.json["id"] as? String)
            let otherDone = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                try await client.get("/v1/exports/\(otherID)", as: .producerB).json["state"] as? String == "succeeded"
            }
            #expect(otherDone)
            let empty = try await client.get("/v1/exports/\(otherID)/file", as: .producerB)
            #expect(empty.headers[.contentType] == "application/json")
            #expect(String(buffer: empty.body) == "[]\n", "tenant B's export holds none of tenant A's rows")

            try await services.database.withConnection { connection in
                try await connection.execute("DELETE FROM products WHERE category = $1", [category])
                try await connection.execute("UPDATE conveyor_exports SET expires_at = now() - interval '1 second' WHERE id = $1", [id])
            }
            try await client.get("/v1/exports/\(id)/file", as: .producerA).expectProblem(.gone, type: "export-expired", naming: "request the export again")
        }
        worker.signal(SIGTERM)
        _ = try await worker.waitForExit(timeout: .seconds(30))
    }

    @Test("bad requests are refused naming what to fix, and nothing is recorded")
    func badRequests() async throws {
        try await APITestApp.run { client, services in
            try await client.post("/v1/exports", json: "{", as: .producerA).expectProblem(.badRequest, type: "malformed-json", naming: "not valid JSON")
            let unknown = try await client.post("/v1/exports", json: #"{"export": "nope"}"#, as: .producerA)
                .expectProblem(.unprocessableContent, type: "invalid-export", naming: "there is no export 'nope'")
            #expect((unknown["known_exports"] as? [String])?.contains("inventory-by-category") == true)
            let bad = try await client.post(
                "/v1/exports",
                json: #"{"export": "job-stats-per-kind", "format": "xml", "params": {"since": "yesterday", "kind": "noop"}}"#,
                as: .producerA
            )
            try bad.expectProblem(.unprocessableContent, type: "invalid-export", naming: "params.since")
            #expect(try bad.problemFields == ["format", "params.kind", "params.since"])
            try await client.post("/v1/exports", json: #"{"export": 3, "params": []}"#, as: .producerA)
                .expectProblem(.unprocessableContent, type: "invalid-export", naming: "export: must be a string")
            try await client.get("/v1/exports/01J00000000000000000000000", as: .producerA)
                .expectProblem(.notFound, type: "not-found", naming: "there is no export")
        }
    }

    @Test("a download before the export has run is a 409 that says to wait")
    func notReady() async throws {
        try await APITestApp.run { client, services in
            let accepted = try await client.post("/v1/exports", json: #"{"export": "inventory-by-category"}"#, as: .producerA)
            let id = try #require(try accepted.json["id"] as? String)
            #expect(try accepted.json["format"] as? String == "csv")
            try await client.get("/v1/exports/\(id)/file", as: .producerA)
                .expectProblem(.conflict, type: "export-not-ready", naming: "until its state is succeeded")
            try await services.database.withConnection { connection in
                try await connection.execute("DELETE FROM conveyor_exports WHERE id = $1", [id])
            }
        }
    }
}
