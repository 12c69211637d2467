import ConveyorQueue
import ConveyorTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /v1/jobs/{id}/events and GET /v1/imports/{id}/events")
struct EventStreamTests {
    /// One server-sent event of a stream's body.
    private struct Event {
        var name: String
        var id: String?
        var data: [String: Any]
    }

    /// The events of a stream's body, its comment and `retry:` lines aside.
    private static func events(_ response: TestResponse) throws -> [Event] {
        try String(buffer: response.body).components(separatedBy: "\n\n").compactMap { block in
            var name: String?
            var id: String?
            var data: [String: Any]?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: ") {
                    data = try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                }
            }
            guard let name else { return nil }
            return Event(name: name, id: id, data: try #require(data, "event \(name) has no JSON data"))
        }
    }

    /// A job enqueued in `queue` and cancelled before any worker took it: final at once.
    private static func cancelledJob(in queue: QueueName, through client: any TestClientProtocol) async throws -> String {
        let created = try await client.post("/v1/jobs", json: #"{"kind":"noop","queue":"\#(queue)"}"#)
        let id = try #require(try created.json["id"] as? String)
        #expect(try await client.send("/v1/jobs/\(id)", method: .delete).status == .ok)
        return id
    }

    private static func startWorker(_ queue: QueueName) async throws -> ConveyorProcess {
        let worker = try ConveyorProcess(["worker", "--queues", queue.rawValue], environment: ["CONVEYOR_ENABLE_DRILLS": "1"])
        let started = try await eventually(timeout: .seconds(20)) {
            worker.logLines.contains { ($0["msg"] as? String) == "worker started" }
        }
        try #require(started, "the worker did not start: \(worker.output)")
        return worker
    }

    @Test("a job that reports progress streams its progress and states until it succeeds; then the stream ends")
    func jobStream() async throws {
        let queue = TestEnvironment.uniqueQueue("api-job-events")
        let worker = try await Self.startWorker(queue)
        try await APITestApp.run { client, _ in
            let created = try await client.post(
                "/v1/jobs", json: #"{"kind":"drill.progress","queue":"\#(queue)","payload":{"steps":8,"step_ms":100}}"#)
            #expect(created.status == .accepted, "body: \(String(buffer: created.body))")
            let id = try #require(try created.json["id"] as? String)

            let stream = try await client.get("/v1/jobs/\(id)/events")
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType] == "text/event-stream; charset=utf-8")
            let events = try Self.events(stream)
            let last = try #require(events.last)
            #expect(last.name == "state" && last.data["state"] as? String == "succeeded", "events: \(events.map(\.name))")
            #expect(last.id?.hasPrefix("succeeded.1.") == true)
            #expect(events.dropLast().allSatisfy { $0.data["state"] as? String != "succeeded" })
            let progress = events.filter { $0.name == "progress" }
            #expect(!progress.isEmpty, "events: \(events.map(\.name))")
            let lastProgress = try #require(progress.last)
            #expect(lastProgress.data["done"] as? Int == 8 && lastProgress.data["total"] as? Int == 8)
            #expect(lastProgress.data["message"] as? String == "step 8 of 8")
            let dones = progress.compactMap { $0.data["done"] as? Int }
            #expect(dones == dones.sorted())

            // The record keeps the last progress.
            let record = try await client.get("/v1/jobs/\(id)").json
            let kept = try #require(record["progress"] as? [String: Any])
            #expect(kept["done"] as? Int == 8 && kept["attempt"] as? Int == 1 && kept["updated_at"] is String)

            // A client that reconnects with the final event's id has everything: 204.
            let again = try await client.get("/v1/jobs/\(id)/events", headers: [.init("Last-Event-ID")!: try #require(last.id)])
            #expect(again.status == .noContent)
            // One that reconnects from earlier is sent what changed since.
            let resumed = try await client.get("/v1/jobs/\(id)/events", headers: [.init("Last-Event-ID")!: "running.1.0"])
            #expect(try Self.events(resumed).map(\.name) == ["progress", "state"])
        }
        worker.signal(SIGTERM)
        _ = try await worker.waitForExit(timeout: .seconds(30))
    }

    @Test("a finished job's stream sends its state and ends at once; a job without progress sends none")
    func finishedJob() async throws {
        let queue = TestEnvironment.uniqueQueue("api-job-events-done")
        try await APITestApp.run { client, services in
            let id = try await Self.cancelledJob(in: queue, through: client)
            let events = try Self.events(try await client.get("/v1/jobs/\(id)/events"))
            #expect(events.map(\.name) == ["state"])
            #expect(events.first?.data["state"] as? String == "cancelled")
            _ = services
        }
    }

    @Test("a Last-Event-ID this stream never sent is ignored; one longer than 128 characters is a 400 that names the header")
    func foreignLastEventID() async throws {
        let queue = TestEnvironment.uniqueQueue("api-job-events-id")
        try await APITestApp.run { client, _ in
            let id = try await Self.cancelledJob(in: queue, through: client)
            let lastEventID = HTTPField.Name("Last-Event-ID")!
            let ignored = try await client.get("/v1/jobs/\(id)/events", headers: [lastEventID: String(repeating: "0", count: 128)])
            #expect(try Self.events(ignored).map(\.name) == ["state"])
            try await client.get("/v1/jobs/\(id)/events", headers: [lastEventID: String(repeating: "0", count: 129)])
                .expectProblem(.badRequest, type: "invalid-last-event-id", naming: "Last-Event-ID")
        }
    }

    @Test("another tenant's job or import, or one that does not exist, is 404 at once")
    func otherTenants() async throws {
        let queue = TestEnvironment.uniqueQueue("api-job-events-tenant")
        try await APITestApp.run { client, _ in
            let created = try await client.post("/v1/jobs", json: #"{"kind":"noop","queue":"\#(queue)"}"#, as: .producerA)
            let id = try #require(try created.json["id"] as? String)
            try await client.get("/v1/jobs/\(id)/events", as: .producerB).expectProblem(.notFound, type: "not-found", naming: id)
            try await client.get("/v1/jobs/\(queue).01JB8ZK7Q2W3E4R5T6Y7V8W9X0/events").expectProblem(.notFound, type: "not-found", naming: "no job")
            try await client.get("/v1/jobs/nonsense/events").expectProblem(.notFound, type: "not-found", naming: "no job")

            let rows = #"{"sku":"EV-\#(UUID().uuidString)","name":"P","price_cents":1,"quantity":1}"#
            let upload = try await client.send(
                "/v1/imports/products", method: .post, headers: [.contentType: "application/x-ndjson"], body: ByteBuffer(string: rows), as: .producerA)
            let importID = try #require(try upload.json["id"] as? String)
            try await client.get("/v1/imports/\(importID)/events", as: .producerB).expectProblem(.notFound, type: "not-found", naming: importID)
            try await client.get("/v1/imports/nonsense/events").expectProblem(.notFound, type: "not-found", naming: "nonsense")
            #expect(try await client.get("/v1/jobs/\(id)/events", as: nil).status == .unauthorized)
        }
    }

    @Test("an import's stream sends its progress until it finishes; then it ends")
    func importStream() async throws {
        let importQueue = TestEnvironment.uniqueQueue("api-import-events")
        let worker = try await Self.startWorker(importQueue)
        try await APITestApp.run(importQueue: importQueue) { client, _ in
            let prefix = "EV\(UInt32.random(in: 0 ... .max))-"
            let rows = (1...30).map { #"{"sku":"\#(prefix)\#($0)","name":"P","price_cents":1,"quantity":1}"# }.joined(separator: "\n")
            let upload = try await client.send(
                "/v1/imports/products?chunk_size=5", method: .post, headers: [.contentType: "application/x-ndjson"], body: ByteBuffer(string: rows))
            #expect(upload.status == .accepted, "body: \(String(buffer: upload.body))")
            let id = try #require(try upload.json["id"] as? String)

            let stream = try await client.get("/v1/imports/\(id)/events")
            #expect(stream.status == .ok)
            let events = try Self.events(stream)
            #expect(!events.isEmpty && events.allSatisfy { $0.name == "progress" })
            let last = try #require(events.last)
            #expect(last.data["state"] as? String == "succeeded" && last.data["finished_at"] is String)
            #expect((last.data["rows"] as? [String: Any])?["inserted"] as? Int == 30)
            #expect(events.dropLast().allSatisfy { $0.data["finished_at"] == nil })
        }
        worker.signal(SIGTERM)
        _ = try await worker.waitForExit(timeout: .seconds(30))
    }
}
