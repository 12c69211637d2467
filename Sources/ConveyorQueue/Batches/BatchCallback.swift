import ConveyorCore
import Crypto
import Foundation

/// A batch's callback job as its record keeps it, until it is due; its id is derived from
/// the batch and the callback's name, so that a relay that makes it twice creates it once.
struct BatchCallback {
    private let stored: StoredJobRequest

    /// `job`, to be made when its batch calls for it, in the trace of the batch's creation
    /// when `job` names none.
    init(_ job: JobRequest) {
        stored = StoredJobRequest(job, keepingID: false)
    }

    /// The callback that a batch record's text holds; nil when it holds none.
    init?(json text: String) {
        guard let stored = try? JSONDecoder().decode(StoredJobRequest.self, from: Data(text.utf8)) else { return nil }
        self.stored = stored
    }

    /// The record's text of it.
    var json: String {
        String(decoding: (try? JSONEncoder().encode(stored)) ?? Data(), as: UTF8.self)
    }

    /// The id of the callback `name` of `batch`; nil when the record names no valid queue.
    func id(named name: String, of batch: BatchID) -> JobID? {
        (try? stored.queueName()).map { Self.id(named: name, of: batch, in: $0) }
    }

    /// The callback `name` of `batch`, as the job to enqueue: its payload gains `batch_id`.
    func job(named name: String, of batch: BatchID) throws -> JobRequest {
        var job = try stored.request(id: Self.id(named: name, of: batch, in: try stored.queueName()))
        var members: [String: JSONValue] = [:]
        if case .object(let given)? = JSONValue(parsing: job.payload) { members = given }
        members["batch_id"] = .string(batch.description)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        job.payload = String(decoding: try encoder.encode(JSONValue.object(members)), as: UTF8.self)
        return job
    }

    /// The id of the callback `name` of `batch` in `queue`.
    static func id(named name: String, of batch: BatchID, in queue: QueueName) -> JobID {
        JobID(in: queue, derivedFrom: Array(SHA256.hash(data: Array("\(batch):\(name)".utf8))))
    }
}
