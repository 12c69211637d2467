import ConveyorAPI
import ConveyorCore
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("DELETE /v1/jobs/{id} and POST /v1/jobs/{id}/retry")
struct JobActionsTests {
    @Test("a queued job is cancelled: 200 with the job cancelled; cancelling it again is a 409")
    func cancel() async throws {
        let queue = TestEnvironment.uniqueQueue("cancel")
        try await APITestApp.run { client, services in
            let id = try await client.enqueue(in: queue)
            let cancelled = try await client.send("/v1/jobs/\(id)", method: .delete)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json["state"] as? String == "cancelled")
            #expect(try await services.queue.statistics(of: queue).depth == 0)
            try await client.send("/v1/jobs/\(id)", method: .delete)
                .expectProblem(.conflict, type: "job-not-cancellable", naming: "job \(id) is cancelled: only a job that has not finished can be cancelled")
        }
    }

    @Test("a scheduled job is cancelled; a running one is cancelled and its attempt fenced off; an unknown one a 404")
    func cancelScheduledAndRunning() async throws {
        let queue = TestEnvironment.uniqueQueue("cancel-states")
        try await APITestApp.run { client, services in
            let scheduled = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)", "run_at": "2099-01-01T00:00:00Z"}"#)
            let scheduledID = try #require(try scheduled.json["id"] as? String)
            #expect(try await client.send("/v1/jobs/\(scheduledID)", method: .delete).json["state"] as? String == "cancelled")

            let running = try await client.enqueue(in: queue)
            let attempt = try #require(try await services.queue.reserve(from: queue, count: 1, lease: .seconds(30), worker: "test").jobs.first)
            #expect(try await client.send("/v1/jobs/\(running)", method: .delete).json["state"] as? String == "cancelled")
            #expect(try await services.queue.cancellations(among: [attempt.lease]) == [attempt.lease])
            #expect(try await services.queue.complete([(attempt.lease, "")]) == [false], "the cancelled attempt's completion counted")
            try await client.send("/v1/jobs/\(running)", method: .delete)
                .expectProblem(.conflict, type: "job-not-cancellable", naming: "is cancelled")
            try await client.send("/v1/jobs/\(queue).01J00000000000000000000000", method: .delete)
                .expectProblem(.notFound, type: "not-found", naming: "there is no job")
            try await client.send("/v1/jobs/not-an-id", method: .delete)
                .expectProblem(.notFound, type: "not-found", naming: "a job id is '<queue>.<26-character ULID>'")
        }
    }

    @Test("a dead job is queued again with fresh attempts: 202 with Location; a job that is not dead is a 409")
    func retry() async throws {
        let queue = TestEnvironment.uniqueQueue("retry")
        try await APITestApp.run { client, services in
            let dead = try await TestJobs.dead(in: queue, tenant: "tenant-a", through: services.queue)
            let response = try await client.post("/v1/jobs/\(dead)/retry", json: "", as: .admin)
            #expect(response.status == .accepted)
            #expect(response.headers[.location] == "/v1/jobs/\(dead)")
            let job = try response.json
            #expect(job["state"] as? String == "queued")
            #expect(job["attempt"] as? Int == 0)
            let statistics = try await services.queue.statistics(of: queue)
            #expect(statistics.depth == 1 && statistics.dead == 0)

            try await client.post("/v1/jobs/\(dead)/retry", json: "", as: .admin)
                .expectProblem(.conflict, type: "job-not-dead", naming: "job \(dead) is queued: only a dead job can be retried")
            try await client.post("/v1/jobs/\(queue).01J00000000000000000000000/retry", json: "", as: .admin)
                .expectProblem(.notFound, type: "not-found", naming: "there is no job")
        }
    }
}
