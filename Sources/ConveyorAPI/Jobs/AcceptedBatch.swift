import ConveyorCore
import ConveyorQueue
import Hummingbird

/// The body of the 202 that `POST /v1/jobs/bulk` answers: how many jobs were enqueued and
/// their ids, in the order of the request, written straight to JSON. A unique job whose lock
/// another job held has that job's id, and its position is in `unique_hits`.
struct AcceptedBatch: ResponseGenerator, Sendable {
    var ids: [JobID]
    /// The queue's time of the enqueue.
    var enqueuedAt: Timestamp
    /// The positions, from 0, of the unique jobs not created because another held their lock.
    var uniqueHits: [Int] = []

    var json: [UInt8] {
        var list: [UInt8] = [UInt8(ascii: "[")]
        list.reserveCapacity(ids.count * 48)
        for (index, id) in ids.enumerated() {
            if index > 0 { list.append(UInt8(ascii: ",")) }
            JSONString.append(id.description, to: &list)
        }
        list.append(UInt8(ascii: "]"))
        var writer = JSONWriter(capacity: list.count + 64)
        writer.member("count", integer: ids.count - uniqueHits.count)
        writer.member("enqueued_at", string: enqueuedAt.description)
        writer.member("ids", json: list)
        if !uniqueHits.isEmpty {
            writer.member("unique_hits", json: Array("[\(uniqueHits.map(String.init).joined(separator: ","))]".utf8))
        }
        return writer.finished()
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(json, status: .ok)
    }
}
