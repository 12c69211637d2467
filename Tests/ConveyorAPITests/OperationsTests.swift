import ConveyorAPI
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /v1/queues, pause and resume, GET /v1/workers, GET /v1/dead")
struct OperationsTests {
    @Test("every queue with its figures")
    func queues() async throws {
        let queue = TestEnvironment.uniqueQueue("ops-queues")
        try await APITestApp.run { client, services in
            _ = try await TestJobs.dead(in: queue, tenant: "tenant-a", through: services.queue)
            _ = try await client.enqueue(in: queue)
            _ = try await client.enqueue(in: queue)
            let response = try await client.get("/v1/queues", as: .admin)
            #expect(response.status == .ok)
            let queues = try #require(try response.json["queues"] as? [[String: Any]])
            let entry = try #require(queues.first { $0["name"] as? String == queue.rawValue })
            #expect(entry["depth"] as? Int == 2)
            #expect(entry["dead"] as? Int == 1)
            #expect(entry["running"] as? Int == 0)
            #expect(entry["scheduled"] as? Int == 0)
            #expect(entry["paused"] as? Bool == false)
            #expect((entry["latency_ms"] as? Double).map { $0 >= 0 } == true)
            #expect((entry["totals"] as? [String: Int])?["dead"] == 1)
        }
    }

    @Test("pause and resume a queue: 200 with the queue; an unknown or invalid queue is a 404")
    func pauseResume() async throws {
        let queue = TestEnvironment.uniqueQueue("ops-pause")
        try await APITestApp.run { client, services in
            _ = try await client.enqueue(in: queue)
            let paused = try await client.post("/v1/queues/\(queue)/pause", json: "", as: .admin)
            #expect(paused.status == .ok)
            #expect(try paused.json["paused"] as? Bool == true)
            #expect(try await services.queue.statistics(of: queue).paused)
            #expect(try await services.queue.reserve(from: queue, count: 1, lease: .seconds(5), worker: "test").paused)

            let resumed = try await client.post("/v1/queues/\(queue)/resume", json: "", as: .admin)
            #expect(try resumed.json["paused"] as? Bool == false)
            #expect(try await !services.queue.statistics(of: queue).paused)

            let never = TestEnvironment.uniqueQueue("ops-never")
            try await client.post("/v1/queues/\(never)/pause", json: "", as: .admin)
                .expectProblem(.notFound, type: "not-found", naming: "there is no queue '\(never)'")
            try await client.post("/v1/queues/Bad%20Name/resume", json: "", as: .admin)
                .expectProblem(.notFound, type: "not-found", naming: "there is no queue")
        }
    }

    @Test("the live workers with their heartbeat")
    func workers() async throws {
        let queue = TestEnvironment.uniqueQueue("ops-workers")
        let worker = try ConveyorProcess(["worker", "--queues", "\(queue):3", "--concurrency", "7"])
        try await APITestApp.run { client, _ in
            var entry: [String: Any]?
            _ = try await eventually(timeout: .seconds(20)) {
                let workers = try await client.get("/v1/workers", as: .admin).json["workers"] as? [[String: Any]] ?? []
                entry = workers.first { $0["queues"] as? String == "\(queue):3" }
                return entry != nil
            }
            let found = try #require(entry, "worker output: \(worker.output)")
            #expect(found["pid"] as? Int == Int(worker.pid))
            #expect(found["concurrency"] as? Int == 7)
            #expect(found["busy"] as? Int == 0)
            #expect((found["heartbeat_age_ms"] as? Int).map { $0 >= 0 } == true)
            #expect((found["host"] as? String)?.isEmpty == false)
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(30)) == 0)
            let after = try await client.get("/v1/workers", as: .admin).json["workers"] as? [[String: Any]] ?? []
            #expect(!after.contains { $0["queues"] as? String == "\(queue):3" })
        }
    }

    @Test("dead jobs, the most recently dead first, page by page; bad parameters are a 400 naming each")
    func deadJobs() async throws {
        let queue = TestEnvironment.uniqueQueue("ops-dead")
        try await APITestApp.run { client, services in
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try await TestJobs.dead(in: queue, tenant: "tenant-a", through: services.queue, error: "failure \(index)").description)
            }
            let first = try await client.get("/v1/dead?queue=\(queue)&limit=2", as: .admin)
            #expect(first.status == .ok)
            let page = try first.json
            #expect((page["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            #expect((page["jobs"] as? [[String: Any]])?.first?["error"] as? String == "failure 2")
            let next = try #require(page["next"] as? String)
            #expect(next == "/v1/dead?queue=\(queue)&offset=2&limit=2")
            let second = try await client.get(next, as: .admin).json
            #expect((second["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(second["next"] is NSNull)

            let everywhere = try await client.get("/v1/dead?limit=100", as: .admin).json["jobs"] as? [[String: Any]] ?? []
            #expect(Set(ids).isSubset(of: Set(everywhere.compactMap { $0["id"] as? String })))

            let bad = try await client.get("/v1/dead?limit=0&offset=x&queue=No!", as: .admin)
            try bad.expectProblem(.badRequest, type: "invalid-query", naming: "limit: must be a whole number from 1 to 100, not '0'")
            #expect(try bad.problemFields == ["offset", "limit", "queue"])
        }
    }
}
