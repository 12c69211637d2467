@testable import ConveyorAPI
import ConveyorCore
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("unique jobs, priorities and deadlines through POST /v1/jobs")
struct UniqueJobsEndpointTests {
    @Test("a second enqueue of a unique job answers 200 with the first, and another tenant's does not meet it")
    func uniqueHit() async throws {
        let queue = TestEnvironment.uniqueQueue("api-unique")
        try await APITestApp.run { client, _ in
            let body = #"{"kind": "noop", "queue": "\#(queue)", "payload": {"user": 7, "note": "a"}, "unique": {"fields": ["user"]}}"#
            let first = try await client.post("/v1/jobs", json: body)
            #expect(first.status == .accepted && first.headers[.uniqueHit] == nil)
            let id = try #require(try first.json["id"] as? String)

            let again = try await client.post("/v1/jobs", json: body.replacingOccurrences(of: #""a""#, with: #""b""#))
            #expect(again.status == .ok)
            #expect(again.headers[.uniqueHit] == "true")
            #expect(again.headers[.location] == "/v1/jobs/\(id)")
            #expect(try again.json["id"] as? String == id)
            #expect(try again.json["state"] as? String == "queued")

            let otherTenant = try await client.post("/v1/jobs", json: body, as: .producerB)
            #expect(otherTenant.status == .accepted, "a lock of one tenant held another's job")

            let bulk = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(body), {"kind": "noop", "queue": "\#(queue)"}]}"#)
            #expect(bulk.status == .accepted)
            #expect(try bulk.json["count"] as? Int == 1)
            #expect(try bulk.json["unique_hits"] as? [Int] == [0])
            #expect((try bulk.json["ids"] as? [String])?.first == id)
        }
    }

    @Test("unique, priority and deadline are checked and named when wrong")
    func badOptions() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.post(
                "/v1/jobs", json: #"{"kind": "noop", "priority": 10, "deadline": "soon", "unique": {"scope": "forever", "fields": [3], "period_ms": 5}}"#
            )
            try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "priority: must be a whole number from 0 to 9")
            #expect(try response.problemFields.sorted() == ["deadline", "priority", "unique.fields", "unique.scope"])
        }
    }

    @Test("a job's priority and deadline read back")
    func priorityAndDeadline() async throws {
        let queue = TestEnvironment.uniqueQueue("api-priority")
        try await APITestApp.run { client, _ in
            let accepted = try await client.post(
                "/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)", "priority": 6, "deadline": "2099-01-01T00:00:00Z"}"#
            )
            let id = try #require(try accepted.json["id"] as? String)
            let job = try await client.get("/v1/jobs/\(id)").json
            #expect(job["priority"] as? Int == 6)
            #expect(job["deadline"] as? String == "2099-01-01T00:00:00.000000Z")
        }
    }
}

@Suite("POST /v1/batches and GET /v1/batches/{id}")
struct BatchesEndpointTests {
    @Test("a batch is created with its jobs, a job after another waits, and its status reads back to its tenant only")
    func createAndRead() async throws {
        let queue = TestEnvironment.uniqueQueue("api-batch")
        try await APITestApp.run { client, services in
            let body = #"""
                {"jobs": [{"kind": "noop", "queue": "\#(queue)", "name": "first"},
                          {"kind": "noop", "queue": "\#(queue)", "after": ["first"], "on_dependency_failure": "run"}],
                 "on_complete": {"kind": "noop", "queue": "\#(queue)", "payload": {"report": "daily"}}}
                """#
            let created = try await client.post("/v1/batches", json: body)
            #expect(created.status == .accepted)
            let batch = try created.json
            let id = try #require(batch["id"] as? String)
            #expect(created.headers[.location] == "/v1/batches/\(id)")
            let jobs = try #require(batch["jobs"] as? [String])
            #expect(jobs.count == 2)
            #expect(batch["state"] as? String == "open" && batch["total"] as? Int == 2 && batch["pending"] as? Int == 2)
            #expect(try await services.queue.job(JobID(jobs[1]))?.state == .waiting)

            let read = try await client.get("/v1/batches/\(id)")
            #expect(read.status == .ok)
            #expect(try read.json["tenant"] as? String == "tenant-a")
            #expect(try await client.get("/v1/batches/\(id)", as: .producerB).status == .notFound)
            #expect(try await client.get("/v1/batches/\(id)", as: .admin).status == .ok)
            #expect(try await client.get("/v1/batches/not-a-batch").status == .notFound)
        }
    }

    @Test("a job after an unknown or later name, a unique job and an unknown field are refused, naming each")
    func refused() async throws {
        let queue = TestEnvironment.uniqueQueue("api-batch-bad")
        try await APITestApp.run { client, services in
            let body = #"""
                {"jobs": [{"kind": "noop", "queue": "\#(queue)", "after": ["later"]},
                          {"kind": "noop", "queue": "\#(queue)", "name": "later", "unique": true},
                          {"kind": "noop", "queue": "\#(queue)", "on_dependency_failure": "maybe"}],
                 "extra": 1}
                """#
            let response = try await client.post("/v1/batches", json: body)
            try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "names no earlier job")
            #expect(try response.problemFields.sorted() == ["extra", "jobs[0].after", "jobs[1].unique", "jobs[2].on_dependency_failure"])
            #expect(try await services.queue.statistics(of: queue).depth == 0)
        }
    }
}
