import ConveyorQueue
import ConveyorTestSupport
import Foundation
import HTTPTypes
import NIOCore
import HummingbirdTesting
import Testing

/// Jobs put straight into the queue, in states the API alone cannot reach quickly.
enum TestJobs {
    /// A job of `tenant` in `queue`, moved to the dead set as a worker would after a
    /// permanent failure. The queue must have no ready job: the one taken is the oldest.
    static func dead(in queue: QueueName, tenant: String, through jobs: JobQueue, error: String = "boom") async throws -> JobID {
        let request = JobRequest(kind: "noop", queue: queue, maxAttempts: 1, requestID: "test", tenant: tenant)
        try await jobs.enqueue([request])
        let reservation = try await jobs.reserve(from: queue, count: 1, lease: .seconds(30), worker: "test-worker")
        let reserved = try #require(reservation.jobs.first)
        #expect(reserved.id == request.id, "the queue had a ready job already")
        #expect(try await jobs.fail(reserved.lease, error: error, retryIn: .zero, permanent: true) == .dead)
        return request.id
    }
}

extension TestClientProtocol {
    /// Enqueues a noop job through the API as `key`; returns its id.
    func enqueue(in queue: QueueName, as key: TestKey = .producerA) async throws -> String {
        let response = try await post("/v1/jobs", json: #"{"kind": "noop", "queue": "\#(queue)"}"#, as: key)
        #expect(response.status == .accepted, "body: \(String(buffer: response.body))")
        return try #require(try response.json["id"] as? String)
    }
}

extension TestClient {
    /// Any request to a live API process, with `key`'s credentials (none for nil).
    func send(
        _ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: String? = nil, as key: TestKey? = .producerA
    ) async throws -> TestClient.Response {
        var headers = headers
        if let key { headers[.authorization] = key.authorization }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(TestClient.Request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
    }
}
