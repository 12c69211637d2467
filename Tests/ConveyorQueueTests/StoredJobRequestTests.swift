import ConveyorCore
import ConveyorQueue
import Foundation
import Testing

/// The JSON that outbox entries and batch callbacks keep of a job, without a server: every
/// option comes back, and records written before an option existed still read.
@Suite struct StoredJobRequestTests {
    @Test func everyOptionOfAJobComesBack() throws {
        let queue = try QueueName("t-stored")
        var job = JobRequest(
            kind: "export", payload: #"{"a":1}"#, queue: queue, maxAttempts: 3, timeout: .milliseconds(1_500),
            runAt: Timestamp(microseconds: 1_800_000_000_000_000), requestID: "req-1", tenant: "acme"
        )
        job.correlationID = "corr-1"
        job.traceContext = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        job.priority = 7
        job.deadline = Timestamp(microseconds: 1_800_000_060_000_000)
        job.uniqueness = JobUniqueness(scope: .period(.seconds(90)), key: JobUniqueness.key(tenant: "acme", kind: "export", payload: job.payload))

        let text = try JSONEncoder().encode(StoredJobRequest(job))
        let back = try JSONDecoder().decode(StoredJobRequest.self, from: text).request()
        #expect(back.id == job.id && back.queue == queue)
        #expect(back.kind == job.kind && back.payload == job.payload && back.tenant == job.tenant)
        #expect(back.maxAttempts == 3 && back.timeout == .milliseconds(1_500) && back.runAt == job.runAt)
        #expect(back.requestID == "req-1" && back.correlationID == "corr-1" && back.traceContext == job.traceContext)
        #expect(back.priority == 7 && back.deadline == job.deadline && back.uniqueness == job.uniqueness)

        for scope in [JobUniqueness.Scope.untilStarted, .untilFinished] {
            job.uniqueness = JobUniqueness(scope: scope, key: "k")
            let again = try JSONDecoder().decode(StoredJobRequest.self, from: try JSONEncoder().encode(StoredJobRequest(job))).request()
            #expect(again.uniqueness == job.uniqueness)
        }
    }

    @Test func aJobWithoutOptionsLeavesThemOut() throws {
        let job = JobRequest(kind: "noop", queue: try QueueName("t-stored"), tenant: "acme")
        let object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(StoredJobRequest(job))) as? [String: Any])
        #expect(Set(object.keys) == ["id", "kind", "payload", "max_attempts", "timeout_ms", "request_id", "tenant"])
    }

    @Test func aRecordWithoutAnIDTakesTheOneDerivedAndKeepsItsQueue() throws {
        let queue = try QueueName("t-stored-callback")
        let stored = StoredJobRequest(JobRequest(kind: "noop", queue: queue, tenant: "acme"), keepingID: false)
        #expect(try stored.queueName() == queue)
        #expect(throws: StoredJobRequestError.self) { try stored.request() }
        let derived = JobID(in: queue, derivedFrom: Array(repeating: 7, count: 16))
        #expect(try stored.request(id: derived).id == derived)
    }

    @Test(arguments: [
        // An outbox entry's job as written before priorities, deadlines and unique locks.
        #"{"id":"t-old.01JF0000000000000000000000","kind":"noop","payload":"{}","tenant":"acme","max_attempts":5,"timeout_ms":60000,"request_id":"r","run_at_us":null}"#,
        // A batch callback as written then: a queue, no id, a priority even when 0.
        #"{"kind":"noop","payload":"{}","queue":"t-old","priority":0,"tenant":"acme","max_attempts":5,"timeout_ms":60000,"request_id":"r"}"#,
    ])
    func recordsWrittenBeforeTheOptionsStillRead(_ text: String) throws {
        let stored = try JSONDecoder().decode(StoredJobRequest.self, from: Data(text.utf8))
        #expect(try stored.queueName().rawValue == "t-old")
        let job = try stored.request(id: JobID(in: try stored.queueName(), derivedFrom: Array(repeating: 1, count: 16)))
        #expect(job.kind == "noop" && job.maxAttempts == 5 && job.timeout == .seconds(60) && job.tenant == "acme")
        #expect(job.priority == 0 && job.deadline == nil && job.uniqueness == nil && job.correlationID.isEmpty)
    }

    @Test func anUnknownUniqueScopeIsRefusedNamingIt() throws {
        let text = #"{"id":"t-old.01JF0000000000000000000000","kind":"noop","payload":"{}","tenant":"acme","max_attempts":5,"timeout_ms":60000,"request_id":"r","unique":{"scope":"X","key":"k"}}"#
        let stored = try JSONDecoder().decode(StoredJobRequest.self, from: Data(text.utf8))
        #expect { try stored.request() } throws: { "\($0)".contains("unique scope X") }
    }
}
