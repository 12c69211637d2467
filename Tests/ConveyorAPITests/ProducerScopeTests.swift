import ConveyorAPI
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("What a producer may enqueue: public kinds, their queues, object payloads, within its tenant's quota")
struct ProducerScopeTests {
    @Test("internal kinds are refused to every key, with the enqueueable kinds listed; nothing is written")
    func internalKinds() async throws {
        let queue = TestEnvironment.uniqueQueue("scope-internal")
        try await APITestApp.run { client, services in
            let payloads = [
                "batch_create": #"{"import_id": "01J00000000000000000000000", "chunk": 1}"#,
                "import_callback": #"{"import_id": "01J00000000000000000000000"}"#,
                "metric_export": #"{"export_id": "01J00000000000000000000000"}"#,
                "cache_refresh": #"{"cache": "dashboard"}"#,
                "retention_sweep": "{}",
            ]
            for (kind, payload) in payloads {
                for key in [TestKey.producerA, .admin] {
                    let response = try await client.post("/v1/jobs", json: #"{"kind": "\#(kind)", "payload": \#(payload), "queue": "\#(queue)"}"#, as: key)
                    let problem = try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "job kind '\(kind)' is internal")
                    let known = try #require(problem["known_kinds"] as? [String])
                    #expect(!known.contains(kind) && known.contains("noop"))
                }
                let bulk = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [{"kind": "noop", "queue": "\#(queue)"}, {"kind": "\#(kind)", "payload": \#(payload), "queue": "\#(queue)"}]}"#)
                try bulk.expectProblem(.unprocessableContent, type: "invalid-job", naming: "jobs[1].kind: job kind '\(kind)' is internal")
            }
            #expect(try await services.queue.statistics(of: queue).depth == 0)
        }
    }

    @Test("drill kinds only while drills are enabled")
    func drills() async throws {
        var configuration = APITestApp.configuration()
        configuration.drillsEnabled = false
        let queue = TestEnvironment.uniqueQueue("scope-drill")
        try await APITestApp.run(configuration: configuration) { client, services in
            let response = try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": 1}, "queue": "\#(queue)"}"#)
            let problem = try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "--enable-drills")
            #expect(problem["known_kinds"] as? [String] == ["noop"])
            #expect(try await services.queue.statistics(of: queue).depth == 0)
        }
        try await APITestApp.run { client, _ in
            let response = try await client.post("/v1/jobs", json: #"{"kind": "drill.sleep", "payload": {"ms": 1}, "queue": "\#(queue)"}"#)
            #expect(response.status == .accepted)
        }
    }

    @Test("a producer names only its kinds' queues or the operator's; an admin any; refused names never join the known queues")
    func queues() async throws {
        var configuration = APITestApp.configuration()
        configuration.allowedQueues = try QueueAllowlist(parsing: "reports, scope-open-*")
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 36)
        let stranger = try QueueName("scope-stranger-\(suffix)")
        let open = try QueueName("scope-open-\(suffix)")
        let adminOnly = try QueueName("scope-admin-\(suffix)")
        try await APITestApp.run(configuration: configuration) { client, services in
            let refused = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(stranger)"}"#)
            try refused.expectProblem(.unprocessableContent, type: "invalid-job", naming: "queue: queue '\(stranger)' is not open to producers")
            #expect(try refused.problemFields == ["queue"])
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": [{"kind": "noop", "queue": "\#(stranger)"}]}"#)
                .expectProblem(.unprocessableContent, type: "invalid-job", naming: "jobs[0].queue: queue '\(stranger)' is not open")
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(open)"}"#).status == .accepted)
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop"}"#).status == .accepted)
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(adminOnly)"}"#, as: .admin).status == .accepted)

            let known = try await services.queue.knownQueues()
            #expect(!known.contains(stranger))
            #expect(known.contains(open) && known.contains(adminOnly))
        }
    }

    @Test("a payload must be a JSON object: a string, number, array, true or null is refused")
    func payloadShape() async throws {
        let queue = TestEnvironment.uniqueQueue("scope-shape")
        try await APITestApp.run { client, services in
            for (payload, what) in [(#""x""#, "a string"), ("5", "a number"), ("[1]", "an array"), ("true", "true or false"), ("null", "null")] {
                let response = try await client.post("/v1/jobs", json: #"{"kind": "noop", "payload": \#(payload), "queue": "\#(queue)"}"#)
                try response.expectProblem(.unprocessableContent, type: "invalid-job", naming: "must be a JSON object such as {}, not \(what)")
                #expect(try response.problemFields == ["payload"])
            }
            #expect(try await services.queue.statistics(of: queue).depth == 0)
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "payload": {}, "queue": "\#(queue)"}"#).status == .accepted)
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#).status == .accepted)
        }
    }

    @Test("a tenant past its quota of waiting jobs gets 429 tenant-quota and nothing is written; taken jobs make room")
    func jobQuota() async throws {
        var configuration = APITestApp.configuration()
        configuration.tenantQuotas = TenantQuotas(default: TenantQuota(jobs: 3, bytes: 0))
        let queue = TestEnvironment.uniqueQueue("scope-quota")
        try await APITestApp.run(configuration: configuration) { client, services in
            let job = #"{"kind": "noop", "queue": "\#(queue)"}"#
            var ids: [String] = []
            for _ in 0..<2 {
                let response = try await client.post("/v1/jobs", json: job)
                #expect(response.status == .accepted)
                ids.append(try #require(response.headers[.location]).replacingOccurrences(of: "/v1/jobs/", with: ""))
            }
            let bulk = try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(job), \#(job)]}"#)
            try bulk.expectProblem(.tooManyRequests, type: "tenant-quota", naming: "tenant 'tenant-a' has 2 jobs waiting in queue '\(queue)' and may have at most 3")
            #expect(bulk.headers[.retryAfter] == "10")
            #expect(try await services.queue.statistics(of: queue).depth == 2)

            #expect(try await client.post("/v1/jobs", json: job).status == .accepted)
            try await client.post("/v1/jobs", json: job).expectProblem(.tooManyRequests, type: "tenant-quota", naming: "has 3 jobs waiting")
            // Another tenant's jobs count apart.
            #expect(try await client.post("/v1/jobs", json: job, as: .producerB).status == .accepted)
            #expect(try await services.queue.waiting(of: "tenant-a", in: queue).jobs == 3)

            // A job taken by a worker (the oldest, ids[0]), and one cancelled, leave room for two.
            let taken = try await services.queue.reserve(from: queue, count: 1, lease: .seconds(30), worker: "test")
            #expect(taken.jobs.map(\.id.description) == [ids[0]])
            #expect(try await client.send("/v1/jobs/\(ids[1])", method: .delete).status == .ok)
            #expect(try await services.queue.waiting(of: "tenant-a", in: queue).jobs == 1)
            #expect(try await client.post("/v1/jobs/bulk", json: #"{"jobs": [\#(job), \#(job)]}"#).status == .accepted)
        }
    }

    @Test("a tenant past its quota of waiting bytes gets 429 tenant-quota")
    func byteQuota() async throws {
        var configuration = APITestApp.configuration()
        configuration.tenantQuotas = TenantQuotas(default: TenantQuota(jobs: 0, bytes: 4096), byTenant: ["tenant-b": .unlimited])
        let queue = TestEnvironment.uniqueQueue("scope-bytes")
        try await APITestApp.run(configuration: configuration) { client, services in
            let large = #"{"kind": "drill.sleep", "payload": {"ms": 1, "pad": "\#(String(repeating: "x", count: 3000))"}, "queue": "\#(queue)"}"#
            #expect(try await client.post("/v1/jobs", json: large).status == .accepted)
            try await client.post("/v1/jobs", json: large)
                .expectProblem(.tooManyRequests, type: "tenant-quota", naming: "bytes of jobs waiting in queue '\(queue)' and may have at most 4096")
            #expect(try await client.post("/v1/jobs", json: large, as: .producerB).status == .accepted)
            #expect(try await services.queue.statistics(of: queue).depth == 2)
        }
    }
}
