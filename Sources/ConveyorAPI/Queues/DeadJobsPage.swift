import ConveyorQueue
import Hummingbird

/// One page of `GET /v1/dead`: dead jobs, the most recently dead first, and the link to the
/// next page (null on the last).
struct DeadJobsPage: ResponseEncodable, Sendable {
    var jobs: [JobRecord]
    var offset: Int
    var limit: Int
    var next: String?

    private enum CodingKeys: String, CodingKey {
        case jobs, offset, limit, next
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(offset, forKey: .offset)
        try container.encode(limit, forKey: .limit)
        try container.encode(next, forKey: .next)
    }
}
