import ConveyorQueue
import Hummingbird

/// The body of the 202 that `POST /v1/jobs/bulk` answers: how many jobs were enqueued and
/// their ids, in the order of the request.
struct AcceptedBatch: ResponseEncodable, Sendable {
    var count: Int
    var ids: [JobID]
    /// The queue's time of the enqueue.
    var enqueuedAt: String

    private enum CodingKeys: String, CodingKey {
        case count, ids
        case enqueuedAt = "enqueued_at"
    }
}
