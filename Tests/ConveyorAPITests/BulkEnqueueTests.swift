import ConveyorAPI
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("POST /v1/jobs/bulk")
struct BulkEnqueueTests {
    @Test("many jobs in one request: 202 with their ids in order, each with its own fields")
    func accepted() async throws {
        let queue = TestEnvironment.uniqueQueue("bulk")
        try await APITestApp.run { client, services in
            let jobs = (0..<500).map { #"{"kind": "drill.sleep", "payload": {"ms": \#($0)}, "queue": "\#(queue)"}"# }
                + [#"{"kind": "noop", "queue": "\#(queue)", "run_at": "2099-01-01T00:00:00Z", "max_attempts": 2}"#]
            let response = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(jobs.joined(separator: ","))]}"#, headers: [.requestID: "bulk-1"])
            #expect(response.status == .accepted)
            let body = try response.json
            #expect(body["count"] as? Int == 501)
            let ids = try #require(body["ids"] as? [String])
            #expect(ids.count == 501)
            #expect(body["enqueued_at"] as? String != nil)
            #expect(try await services.queue.statistics(of: queue).depth == 500)
            let third = try #require(try await services.queue.job(try JobID(ids[2])))
            #expect(third.payload == #"{"ms":2}"#)
            #expect(third.requestID == "bulk-1")
            #expect(third.tenant == "tenant-a")
            let last = try #require(try await services.queue.job(try JobID(ids[500])))
            #expect(last.state == .scheduled)
            #expect(last.maxAttempts == 2)
        }
    }

    @Test("one bad job refuses them all: 422 naming each bad field by position, nothing enqueued")
    func allOrNothing() async throws {
        let queue = TestEnvironment.uniqueQueue("bulk-bad")
        try await APITestApp.run { client, services in
            let body = #"{"jobs": [{"kind": "noop", "queue": "\#(queue)"}, {"kind": "resize", "queue": "\#(queue)"}, 7, {"kind": "drill.sleep", "payload": {}, "timeout_ms": 0, "queue": "\#(queue)"}]}"#
            let response = try await client.post("/v1/jobs/bulk", json: body)
            let problem = try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "jobs[1].kind: unknown job kind 'resize'")
            #expect(try response.problemFields == ["jobs[1].kind", "jobs[2]", "jobs[3].payload", "jobs[3].timeout_ms"])
            #expect(problem["known_kinds"] as? [String] == ["drill.exclusive", "drill.fail", "drill.ledger", "drill.limited_noop", "drill.metered_noop", "drill.progress", "drill.sleep", "drill.throttled", "noop"])
            #expect(try await services.queue.statistics(of: queue).depth == 0)
        }
    }

    @Test("a body that is not {\"jobs\": [...]}, an empty list, or too many jobs is refused")
    func shape() async throws {
        try await APITestApp.run { client, _ in
            try await client.post("/v1/jobs/bulk", json: "[1]")
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "whose 'jobs' is an array of jobs")
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": []}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "jobs: must hold 1 to 10000 jobs, not 0")
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": [{"kind": "noop"}], "queue": "x"}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "queue: unknown field; a bulk request has only 'jobs'")
            let many = Array(repeating: #"{"kind":"noop"}"#, count: 10_001).joined(separator: ",")
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(many)]}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "not 10001: split the jobs into several requests")
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": ["#)
                .expectProblem(.badRequest, type: "malformed-json", naming: "not valid JSON")
        }
    }

    @Test("at most 100 bad fields are listed; the detail gives their number")
    func manyBadFields() async throws {
        try await APITestApp.run { client, _ in
            let jobs = Array(repeating: #"{"kind": 1}"#, count: 150).joined(separator: ",")
            let response = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(jobs)]}"#)
            try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "150 bad fields, the first 100: jobs[0].kind")
            #expect(try response.problemFields.count == 100)
        }
    }

    @Test("a full queue refuses the whole batch with 503 and Retry-After")
    func queueFull() async throws {
        let queue = TestEnvironment.uniqueQueue("bulk-full")
        try await APITestApp.run(policy: QueuePolicy(maxLengthByQueue: [queue: 3])) { client, services in
            let jobs = Array(repeating: #"{"kind": "noop", "queue": "\#(queue)"}"#, count: 4).joined(separator: ",")
            let response = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(jobs)]}"#)
            try response.expectProblem(.serviceUnavailable, type: "queue-full", naming: "queue '\(queue)' is full")
            #expect(response.headers[.retryAfter] == "10")
            #expect(try await services.queue.statistics(of: queue).depth == 0)
        }
    }

    @Test("jobs of one request spread over a full queue and a free one: 422, and neither queue gets a job")
    func acrossQueues() async throws {
        let full = TestEnvironment.uniqueQueue("bulk-full")
        let free = TestEnvironment.uniqueQueue("bulk-free")
        try await APITestApp.run(policy: QueuePolicy(maxLengthByQueue: [full: 1])) { client, services in
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(full)"}"#).status == .accepted)
            let body = #"{"jobs": [{"kind": "noop", "queue": "\#(free)"}, {"kind": "noop", "queue": "\#(full)"}, {"kind": "noop", "queue": "\#(free)"}]}"#
            let response = try await client.post("/v1/jobs/bulk", json: body)
            try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "jobs[1].queue: goes to queue '\(full)'")
            #expect(try await services.queue.statistics(of: free).depth == 0)
            #expect(try await services.queue.statistics(of: full).depth == 1)
            // The same jobs sent one queue at a time: the free queue's are taken, the full one refuses.
            let freeOnly = #"{"jobs": [{"kind": "noop", "queue": "\#(free)"}, {"kind": "noop", "queue": "\#(free)"}]}"#
            #expect(try await client.post("/v1/jobs/bulk", json: freeOnly).status == .accepted)
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": [{"kind": "noop", "queue": "\#(full)"}]}"#)
                .expectProblem(.serviceUnavailable, type: "queue-full", naming: "queue '\(full)' is full")
            #expect(try await services.queue.statistics(of: free).depth == 2)
        }
    }

    @Test("a bulk body over its limit is a 413 problem")
    func tooLarge() async throws {
        var configuration = APITestApp.configuration()
        configuration.maxBodyBytes = 4096
        try await APITestApp.run(configuration: configuration) { client, _ in
            let jobs = Array(repeating: #"{"kind": "noop"}"#, count: 400).joined(separator: ",")
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(jobs)]}"#)
                .expectProblem(.contentTooLarge, type: "body-too-large", naming: "a bulk job request may be at most 4096 bytes")
        }
    }
}
