@testable import ConveyorAPI
import ConveyorCore
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("POST /v1/jobs and GET /v1/jobs/{id}")
struct JobsEndpointTests {
    @Test("a job is accepted with 202 and Location, and reads back with its request id and tenant")
    func enqueueThenRead() async throws {
        let queue = TestEnvironment.uniqueQueue("api-jobs")
        try await APITestApp.run { client, _ in
            let response = try await client.post(
                "/v1/jobs",
                json: #"{"kind": "drill.sleep", "payload": {"ms": 5}, "queue": "\#(queue)", "max_attempts": 3, "timeout_ms": 1500}"#,
                headers: [.requestID: "caller-req-42"]
            )
            #expect(response.status == .accepted)
            #expect(response.headers[.requestID] == "caller-req-42")
            let elapsed = try #require(response.headers[.responseTime])
            #expect(elapsed.hasSuffix("ms") && Double(elapsed.dropLast(2)) != nil)
            let accepted = try response.json
            let id = try #require(accepted["id"] as? String)
            #expect(id.hasPrefix("\(queue)."))
            #expect(response.headers[.location] == "/v1/jobs/\(id)")
            #expect(accepted["state"] as? String == "queued")
            #expect(accepted["queue"] as? String == queue.rawValue)
            #expect(accepted["max_attempts"] as? Int == 3)
            #expect(accepted["timeout_ms"] as? Int == 1500)
            #expect(accepted["request_id"] as? String == "caller-req-42")
            #expect((accepted["payload"] as? [String: Any])?["ms"] as? Int == 5)

            let read = try await client.get("/v1/jobs/\(id)")
            #expect(read.status == .ok)
            let job = try read.json
            #expect(job["id"] as? String == id)
            #expect(job["kind"] as? String == "drill.sleep")
            #expect(job["state"] as? String == "queued")
            #expect(job["attempt"] as? Int == 0)
            #expect(job["max_attempts"] as? Int == 3)
            #expect(job["request_id"] as? String == "caller-req-42")
            #expect(job["tenant"] as? String == "tenant-a")
            #expect(read.headers[.requestID] != nil)
        }
    }

    @Test("a request without X-Request-ID, or with one that is not sane, gets a generated id that the job keeps")
    func generatedRequestID() async throws {
        let queue = TestEnvironment.uniqueQueue("api-reqid")
        try await APITestApp.run { client, _ in
            let unsane = ["has space", String(repeating: "x", count: 129), "tab\there"]
            for sent in [nil] + unsane {
                let headers: HTTPFields = sent.map { [.requestID: $0] } ?? [:]
                let response = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, headers: headers)
                #expect(response.status == .accepted)
                let generated = try #require(response.headers[.requestID])
                #expect(!generated.isEmpty && generated != sent)
                let id = try #require(try response.json["id"] as? String)
                let job = try await client.get("/v1/jobs/\(id)").json
                #expect(job["request_id"] as? String == generated)
            }
        }
    }

    @Test("the kind's defaults fill what the request leaves out; a future run_at schedules the job")
    func defaultsAndSchedule() async throws {
        let queue = TestEnvironment.uniqueQueue("api-sched")
        try await APITestApp.run { client, _ in
            let response = try await client.post(
                "/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": 1}, "queue": "\#(queue)", "run_at": "2099-01-31T10:30:00.250+01:00"}"#
            )
            #expect(response.status == .accepted)
            let accepted = try response.json
            #expect(accepted["state"] as? String == "scheduled")
            #expect(accepted["max_attempts"] as? Int == 5)
            #expect(accepted["timeout_ms"] as? Int == 600_000)
            #expect(accepted["run_at"] as? String == "2099-01-31T09:30:00.250000Z")
            let id = try #require(accepted["id"] as? String)
            let job = try await client.get("/v1/jobs/\(id)").json
            #expect(job["state"] as? String == "scheduled")
            #expect(job["run_at"] as? String == "2099-01-31T09:30:00.250000Z")
        }
    }

    @Test("a body that is not JSON, or empty, is a 400 problem saying so")
    func malformedJSON() async throws {
        try await APITestApp.run { client, _ in
            try await client.post("/v1/jobs", json: #"{"kind": "noop",, }"#)
                .expectProblem(.badRequest, type: "malformed-json", naming: "not valid JSON")
            try await client.post("/v1/jobs", json: "")
                .expectProblem(.badRequest, type: "malformed-json", naming: "empty")
        }
    }

    @Test("a JSON body that is not an object is a 422 problem")
    func notAnObject() async throws {
        try await APITestApp.run { client, _ in
            try await client.post("/v1/jobs", json: #"["noop"]"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "must be a JSON object")
        }
    }

    @Test("fields of the wrong type or out of bounds are each named, all in one answer")
    func wrongTypes() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.post(
                "/v1/jobs",
                json: #"{"kind": 7, "queue": ["a"], "run_at": 1700000000, "max_attempts": "3", "timeout_ms": 1.5, "priority": 12}"#
            )
            try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "kind: must be a string")
            let detail = try response.json["detail"] as? String ?? ""
            for field in ["kind", "queue", "run_at", "max_attempts", "timeout_ms", "priority"] {
                #expect(detail.contains("\(field):"), "detail names \(field): \(detail)")
            }
            #expect(try response.problemFields.sorted() == ["kind", "max_attempts", "priority", "queue", "run_at", "timeout_ms"])
        }
    }

    @Test("bounds and formats: max_attempts, timeout_ms, queue names and run_at; a field given twice")
    func outOfBounds() async throws {
        try await APITestApp.run { client, _ in
            try await client.post("/v1/jobs", json: #"{"kind": "noop", "max_attempts": 0}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "max_attempts: must be a whole number from 1 to 1000, not 0")
            try await client.post("/v1/jobs", json: #"{"kind": "noop", "timeout_ms": 86400001}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "timeout_ms: must be a whole number from 1 to 86400000")
            try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "Bad Queue!"}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "queue: invalid queue name 'Bad Queue!'")
            try await client.post("/v1/jobs", json: #"{"kind": "noop", "run_at": "tomorrow"}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "run_at: 'tomorrow' is not an RFC 3339 time")
            try await client.post("/v1/jobs", json: #"{"kind": "noop", "max_attempts": 2, "max_attempts": 3}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "max_attempts: appears twice; give it once")
        }
    }

    @Test("a missing or unknown kind is a 422 problem listing the known kinds")
    func unknownKind() async throws {
        try await APITestApp.run { client, services in
            let unknown = try await client.post("/v1/jobs", json: #"{"kind": "resize", "payload": {}}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "kind: unknown job kind 'resize'")
            #expect((unknown["detail"] as? String)?.contains("known kinds are drill.exclusive, drill.fail, drill.ledger, drill.limited_noop, drill.metered_noop, drill.progress, drill.sleep, drill.throttled, noop") == true)
            #expect(unknown["known_kinds"] as? [String] == ["drill.exclusive", "drill.fail", "drill.ledger", "drill.limited_noop", "drill.metered_noop", "drill.progress", "drill.sleep", "drill.throttled", "noop"])
            try await client.post("/v1/jobs", json: #"{"payload": {}}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "kind: is required")
        }
    }

    @Test("a payload that the kind does not decode or refuses is a 422 problem naming the payload's field")
    func invalidPayload() async throws {
        try await APITestApp.run { client, _ in
            try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {}}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "payload: payload does not decode for job kind 'drill.sleep': missing field 'ms'")
            try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": "soon"}}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "'ms' should be an integer")
            let refused = try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": -1}}"#)
            try refused.expectProblem(.unprocessableContent, type: "invalid-job", naming: "'ms' must be between 0 and 3600000")
            #expect(try refused.problemFields == ["payload"])
        }
    }

    @Test("nothing is enqueued for a refused request")
    func refusedRequestEnqueuesNothing() async throws {
        let queue = TestEnvironment.uniqueQueue("api-refused")
        try await APITestApp.run { client, services in
            let response = try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": -1}, "queue": "\#(queue)"}"#)
            #expect(response.status == .unprocessableContent)
            let statistics = try await services.queue.statistics(of: queue)
            #expect(statistics.depth == 0 && statistics.scheduled == 0)
        }
    }

    @Test("a body over the limit is a 413 problem")
    func bodyTooLarge() async throws {
        var configuration = APITestApp.configuration()
        configuration.maxBodyBytes = 2048
        try await APITestApp.run(configuration: configuration) { client, _ in
            let big = #"{"kind": "noop", "payload": {"pad": "\#(String(repeating: "x", count: 4096))"}}"#
            try await client.post("/v1/jobs", json: big)
                .expectProblem(.contentTooLarge, type: "body-too-large", naming: "at most 2048 bytes")
        }
    }

    @Test("a body without Content-Length is read only until it passes the limit")
    func streamedBodyTooLarge() async throws {
        let chunks = AsyncStream<ByteBuffer> { continuation in
            for _ in 0..<8 { continuation.yield(ByteBuffer(repeating: UInt8(ascii: "x"), count: 1024)) }
            continuation.finish()
        }
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/jobs", headerFields: [.transferEncoding: "chunked"]),
            body: RequestBody(asyncSequence: chunks)
        )
        let error = await #expect(throws: Problem.self) { try await request.collectBody(upTo: 2048, describedAs: "a job request") }
        #expect(error?.status == .contentTooLarge)
        #expect(error?.detail.contains("a job request may be at most 2048 bytes") == true)
    }

    @Test("a full queue answers 503 with Retry-After, and takes nothing")
    func queueFull() async throws {
        let queue = TestEnvironment.uniqueQueue("api-full")
        try await APITestApp.run(policy: QueuePolicy(maxLengthByQueue: [queue: 1])) { client, services in
            let first = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#)
            #expect(first.status == .accepted)
            let second = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#)
            try second.expectProblem(.serviceUnavailable, type: "queue-full", naming: "queue '\(queue)' is full")
            #expect(second.headers[.retryAfter] == "10")
            #expect(try await services.queue.statistics(of: queue).depth == 1)
        }
    }

    @Test("an unknown or malformed job id is a 404 problem")
    func unknownJob() async throws {
        let queue = TestEnvironment.uniqueQueue("api-missing")
        try await APITestApp.run { client, _ in
            try await client.get("/v1/jobs/\(queue).01J00000000000000000000000")
                .expectProblem(.notFound, type: "not-found", naming: "there is no job '\(queue).01J00000000000000000000000'")
            try await client.get("/v1/jobs/not-an-id")
                .expectProblem(.notFound, type: "not-found", naming: "a job id is '<queue>.<26-character ULID>'")
        }
    }
}

@Suite("Concurrent job requests gathered into one enqueue")
struct EnqueueCoalescerTests {
    @Test("200 concurrent requests each get their own job, all enqueued")
    func concurrent() async throws {
        let queue = TestEnvironment.uniqueQueue("api-coalesce")
        try await APITestApp.run { client, services in
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let response = try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": \#(index)}, "queue": "\#(queue)"}"#)
                        #expect(response.status == .accepted)
                        return try #require(try response.json["id"] as? String)
                    }
                }
                var ids: [String] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            #expect(Set(ids).count == 200)
            #expect(try await services.queue.statistics(of: queue).depth == 200)
        }
    }

    @Test("when the queue is too full for the gathered jobs, each request is tried alone: those that fit are taken")
    func queueFullSplits() async throws {
        let queue = TestEnvironment.uniqueQueue("api-coalesce-full")
        try await APITestApp.run(policy: QueuePolicy(maxLengthByQueue: [queue: 30])) { client, services in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#).status }
                }
                var statuses: [HTTPResponse.Status] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.filter { $0 == .accepted }.count == 30)
            #expect(statuses.filter { $0 == .serviceUnavailable }.count == 20)
            #expect(try await services.queue.statistics(of: queue).depth == 30)
        }
    }
}
