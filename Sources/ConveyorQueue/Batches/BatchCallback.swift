import ConveyorCore
import Crypto
import Foundation

/// A batch's callback job as its record keeps it, until it is due; its id is derived from
/// the batch and the callback's name, so that a relay that makes it twice creates it once.
struct BatchCallback: Codable {
    let kind: String
    let payload: String
    let queue: String
    let maxAttempts: Int
    let timeoutMilliseconds: Int64
    let priority: Int
    let requestID: String
    let tenant: String
    /// The W3C `traceparent` of the batch's creation, which the callback continues; absent
    /// when it was not traced.
    let traceContext: String?

    enum CodingKeys: String, CodingKey {
        case kind, payload, queue, priority, tenant
        case maxAttempts = "max_attempts"
        case timeoutMilliseconds = "timeout_ms"
        case requestID = "request_id"
        case traceContext = "trace_context"
    }

    init(_ job: JobRequest) {
        kind = job.kind
        payload = job.payload
        queue = job.queue.rawValue
        maxAttempts = job.maxAttempts
        timeoutMilliseconds = job.timeout.microseconds / 1000
        priority = job.priority
        requestID = job.requestID
        tenant = job.tenant
        // A callback that names no trace joins its creator's, when a span is current.
        traceContext = job.traceContextToCarry
    }

    /// The record's text of it.
    var json: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The callback `name` of `batch`, as the job to enqueue: its payload gains `batch_id`.
    func job(named name: String, of batch: BatchID) throws -> JobRequest {
        let queue = try QueueName(queue)
        var members: [String: JSONValue] = [:]
        if case .object(let given)? = JSONValue(parsing: payload) { members = given }
        members["batch_id"] = .string(batch.description)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var job = JobRequest(
            id: Self.id(named: name, of: batch, in: queue), kind: kind,
            payload: String(decoding: try encoder.encode(JSONValue.object(members)), as: UTF8.self), queue: queue,
            maxAttempts: maxAttempts, timeout: .milliseconds(timeoutMilliseconds), requestID: requestID, tenant: tenant
        )
        job.priority = priority
        job.traceContext = traceContext ?? ""
        return job
    }

    /// The id of the callback `name` of `batch` in `queue`.
    static func id(named name: String, of batch: BatchID, in queue: QueueName) -> JobID {
        JobID(in: queue, derivedFrom: Array(SHA256.hash(data: Array("\(batch):\(name)".utf8))))
    }
}
