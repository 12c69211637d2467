import ConveyorAPI
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Tenant isolation")
struct TenantIsolationTests {
    @Test("a producer of tenant B cannot see or cancel a job of tenant A: the same 404 as for a job that does not exist")
    func otherTenantsJob() async throws {
        let queue = TestEnvironment.uniqueQueue("tenants")
        try await APITestApp.run { client, services in
            let id = try await client.enqueue(in: queue, as: .producerA)
            #expect(try await client.get("/v1/jobs/\(id)", as: .producerA).json["tenant"] as? String == "tenant-a")

            let missingID = "\(queue).01J00000000000000000000000"
            let missing = try await client.get("/v1/jobs/\(missingID)", as: .producerB)
                .expectProblem(.notFound, type: "not-found", naming: "there is no job")
            let hidden = try await client.get("/v1/jobs/\(id)", as: .producerB)
                .expectProblem(.notFound, type: "not-found", naming: "there is no job '\(id)'")
            #expect((hidden["detail"] as? String)?.replacingOccurrences(of: id, with: missingID) == missing["detail"] as? String)

            try await client.send("/v1/jobs/\(id)", method: .delete, as: .producerB)
                .expectProblem(.notFound, type: "not-found", naming: "there is no job '\(id)'")
            #expect(try await services.queue.job(try JobID(id))?.state == .queued)

            try await client.post("/v1/jobs/\(id)/retry", json: "", as: .producerB)
                .expectProblem(.forbidden, type: "forbidden", naming: "needs an admin key")
        }
    }

    @Test("a producer cannot retry a dead job of its own tenant or another's; an admin sees and retries every tenant's")
    func deadJobsAcrossTenants() async throws {
        let queue = TestEnvironment.uniqueQueue("tenants-dead")
        try await APITestApp.run { client, services in
            let id = try await TestJobs.dead(in: queue, tenant: "tenant-b", through: services.queue)
            try await client.post("/v1/jobs/\(id)/retry", json: "", as: .producerA)
                .expectProblem(.forbidden, type: "forbidden", naming: "needs an admin key")
            try await client.post("/v1/jobs/\(id)/retry", json: "", as: .producerB)
                .expectProblem(.forbidden, type: "forbidden", naming: "needs an admin key")
            try await client.get("/v1/jobs/\(id)", as: .producerA).expectProblem(.notFound, type: "not-found", naming: "there is no job")
            #expect(try await client.get("/v1/jobs/\(id)", as: .producerB).json["state"] as? String == "dead")
            #expect(try await client.get("/v1/jobs/\(id)", as: .admin).json["tenant"] as? String == "tenant-b")
            #expect(try await client.post("/v1/jobs/\(id)/retry", json: "", as: .admin).status == .accepted)
        }
    }

    @Test("jobs take the tenant of the key that enqueued them, one job or many")
    func jobsTakeTheKeysTenant() async throws {
        let queue = TestEnvironment.uniqueQueue("tenants-take")
        try await APITestApp.run { client, services in
            let one = try await client.enqueue(in: queue, as: .producerB)
            let bulk = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [{"kind": "noop", "queue": "\#(queue)"}]}"#, as: .admin)
            let many = try #require(try bulk.json["ids"] as? [String])
            #expect(try await services.queue.job(try JobID(one))?.tenant == "tenant-b")
            #expect(try await services.queue.job(try JobID(many[0]))?.tenant == "ops")
        }
    }
}
