import ConveyorAPI
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Idempotency-Key")
struct IdempotencyTests {
    private static func key() -> String { "test-\(UUID().uuidString)" }

    @Test("a repeat gets the first answer, marked as replayed, and creates nothing")
    func repeatGetsTheFirstAnswer() async throws {
        let queue = TestEnvironment.uniqueQueue("idem")
        let key = Self.key()
        try await APITestApp.run { client, services in
            let body = #"{"kind": "noop", "queue": "\#(queue)"}"#
            let first = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key])
            #expect(first.status == .accepted)
            #expect(first.headers[.idempotentReplayed] == nil)
            let again = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key])
            #expect(again.status == .accepted)
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again.headers[.contentType] == first.headers[.contentType])
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(again.headers[.requestID] != first.headers[.requestID])
            #expect(try await services.queue.statistics(of: queue).depth == 1)
        }
    }

    @Test("the same key with another body, path or method is a 409; keys are per tenant")
    func reuseIsAConflict() async throws {
        let queue = TestEnvironment.uniqueQueue("idem-reuse")
        let key = Self.key()
        try await APITestApp.run { client, services in
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, headers: [.idempotencyKey: key]).status == .accepted)
            try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)", "max_attempts": 2}"#, headers: [.idempotencyKey: key])
                .expectProblem(.conflict, type: "idempotency-key-reused", naming: "Idempotency-Key '\(key)' was used for a request with another method, path or body")
            try await client.post("/v1/jobs/bulk", json: #"{"jobs": [{"kind": "noop", "queue": "\#(queue)"}]}"#, headers: [.idempotencyKey: key])
                .expectProblem(.conflict, type: "idempotency-key-reused", naming: "use a new key")
            // Another tenant's key space: the same key is free there.
            #expect(try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, headers: [.idempotencyKey: key], as: .producerB).status == .accepted)
            #expect(try await services.queue.statistics(of: queue).depth == 2)
        }
    }

    @Test("50 concurrent identical requests with one key create exactly one job, and all get its answer")
    func concurrentRepeats() async throws {
        let queue = TestEnvironment.uniqueQueue("idem-race")
        let key = Self.key()
        try await APITestApp.run { client, services in
            let body = #"{"kind": "noop", "queue": "\#(queue)"}"#
            let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        // A repeat waits up to 15 s for the first answer; a loaded machine can take
                        // longer, and then the repeat is told to come back, as a client does.
                        let deadline = ContinuousClock.now + .seconds(60)
                        while true {
                            let response = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key])
                            guard response.status == .conflict, ContinuousClock.now < deadline else {
                                return (response.status, response.headers[.location])
                            }
                            #expect(String(buffer: response.body).contains("idempotency-key-in-use"))
                            #expect(response.headers[.retryAfter] == "1")
                            try await Task.sleep(for: .seconds(1))
                        }
                    }
                }
                var answers: [(HTTPResponse.Status, String?)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.allSatisfy { $0.0 == .accepted })
            #expect(Set(answers.compactMap(\.1)).count == 1)
            #expect(answers.compactMap(\.1).count == 50)
            #expect(try await services.queue.statistics(of: queue).depth == 1)
        }
    }

    @Test("a refused request frees its key: fixed and sent again with the same key, it runs")
    func refusedRequestFreesTheKey() async throws {
        let queue = TestEnvironment.uniqueQueue("idem-fix")
        let key = Self.key()
        try await APITestApp.run { client, services in
            let refused = try await client.post("/v1/jobs", json: #"{"kind": "nope", "queue": "\#(queue)"}"#, headers: [.idempotencyKey: key])
            #expect(refused.status == .unprocessableContent)
            let fixed = try await client.post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, headers: [.idempotencyKey: key])
            #expect(fixed.status == .accepted)
            #expect(fixed.headers[.idempotentReplayed] == nil)
            #expect(try await services.queue.statistics(of: queue).depth == 1)
        }
    }

    @Test("a key expires after the retention; then it creates a new job")
    func expiry() async throws {
        let queue = TestEnvironment.uniqueQueue("idem-ttl")
        let key = Self.key()
        var configuration = APITestApp.configuration()
        configuration.idempotencyRetention = .milliseconds(300)
        try await APITestApp.run(configuration: configuration) { client, services in
            let body = #"{"kind": "noop", "queue": "\#(queue)"}"#
            let first = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key])
            var later = first
            _ = try await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
                later = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key])
                return later.headers[.idempotentReplayed] == nil
            }
            #expect(later.status == .accepted)
            #expect(later.headers[.location] != first.headers[.location])
            #expect(try await services.queue.statistics(of: queue).depth >= 2)
        }
    }

    @Test("bulk enqueue and retry from dead take the key too")
    func bulkAndRetry() async throws {
        let queue = TestEnvironment.uniqueQueue("idem-bulk")
        try await APITestApp.run { client, services in
            let bulk = #"{"jobs": [{"kind": "noop", "queue": "\#(queue)"}, {"kind": "noop", "queue": "\#(queue)"}]}"#
            let key = Self.key()
            let first = try await client.post("/v1/jobs/bulk", json: bulk, headers: [.idempotencyKey: key])
            let again = try await client.post("/v1/jobs/bulk", json: bulk, headers: [.idempotencyKey: key])
            #expect(first.status == .accepted && again.headers[.idempotentReplayed] == "true")
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(try await services.queue.statistics(of: queue).depth == 2)

            let dead = try await TestJobs.dead(in: TestEnvironment.uniqueQueue("idem-dead"), tenant: "tenant-a", through: services.queue)
            let retryKey = Self.key()
            let retried = try await client.post("/v1/jobs/\(dead)/retry", json: "", headers: [.idempotencyKey: retryKey], as: .admin)
            let retriedAgain = try await client.post("/v1/jobs/\(dead)/retry", json: "", headers: [.idempotencyKey: retryKey], as: .admin)
            #expect(retried.status == .accepted && retriedAgain.status == .accepted)
            #expect(retriedAgain.headers[.idempotentReplayed] == "true")
            // Without the key, a second retry finds the job no longer dead.
            try await client.post("/v1/jobs/\(dead)/retry", json: "", as: .admin)
                .expectProblem(.conflict, type: "job-not-dead", naming: "only a dead job can be retried")
        }
    }

    @Test("an Idempotency-Key that is empty, too long or has spaces is a 400 problem")
    func invalidKey() async throws {
        try await APITestApp.run { client, _ in
            for bad in ["has space", String(repeating: "k", count: 256)] {
                try await client.post("/v1/jobs", json: #"{"kind": "noop"}"#, headers: [.idempotencyKey: bad])
                    .expectProblem(.badRequest, type: "invalid-idempotency-key", naming: "1 to 255 visible ASCII characters")
            }
        }
    }

    @Test("a reply lost after the enqueue ran: the retry with the same key creates no second job, one job or a bulk")
    func lostReply() async throws {
        let queue = TestEnvironment.uniqueQueue("idem-lost")
        let redis = try #require(URLComponents(string: try TestEnvironment.redisURL()))
        let relay = try TCPRelay(toPort: UInt16(try #require(redis.port)))
        defer { relay.cut() }
        try await APITestApp.run(redisURL: "redis://127.0.0.1:\(relay.port)/0") { client, services in
            // The enqueue script's call names the queue's fresh hash; its reply is lost.
            let marker = "{\(queue)}:fresh"
            let one = #"{"kind": "noop", "queue": "\#(queue)"}"#
            let oneKey = Self.key()
            relay.loseReply(toRequestContaining: marker)
            try await client.post("/v1/jobs", json: one, headers: [.idempotencyKey: oneKey])
                .expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "Redis is unavailable")
            #expect(try await services.queue.statistics(of: queue).depth == 1)
            let retried = try await client.post("/v1/jobs", json: one, headers: [.idempotencyKey: oneKey])
            #expect(retried.status == .accepted)
            #expect(try await services.queue.statistics(of: queue).depth == 1)
            let id = try #require(retried.headers[.location]).replacingOccurrences(of: "/v1/jobs/", with: "")
            #expect(try await services.queue.job(try JobID(id)) != nil)

            let bulk = #"{"jobs": [\#(Array(repeating: one, count: 50).joined(separator: ","))]}"#
            let bulkKey = Self.key()
            relay.loseReply(toRequestContaining: marker)
            try await client.post("/v1/jobs/bulk", json: bulk, headers: [.idempotencyKey: bulkKey])
                .expectProblem(.serviceUnavailable, type: "dependency-unavailable", naming: "Redis is unavailable")
            #expect(try await services.queue.statistics(of: queue).depth == 51)
            let bulkRetried = try await client.post("/v1/jobs/bulk", json: bulk, headers: [.idempotencyKey: bulkKey])
            #expect(bulkRetried.status == .accepted)
            #expect(try bulkRetried.json["count"] as? Int == 50)
            #expect(try await services.queue.statistics(of: queue).depth == 51)

            // Another body under a key that was freed is another request, with jobs of its own.
            let other = #"{"kind": "noop", "queue": "\#(queue)", "max_attempts": 2}"#
            #expect(try await client.post("/v1/jobs", json: other, headers: [.idempotencyKey: Self.key()]).status == .accepted)
            #expect(try await services.queue.statistics(of: queue).depth == 52)
        }
    }
}
