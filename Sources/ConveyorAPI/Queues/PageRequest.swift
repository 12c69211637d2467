import ConveyorQueue
import Hummingbird

/// The query of a paginated listing, `?queue=&offset=&limit=`, checked: every bad parameter
/// is named in one 400.
struct PageRequest: Sendable {
    var queue: QueueName?
    var offset: Int
    var limit: Int

    static let limits = 1...100
    static let defaultLimit = 25
    /// The deepest page starts here: a listing across queues reads this far into each.
    static let offsets = 0...10_000

    init(_ request: Request) throws(Problem) {
        let query = request.uri.queryParameters
        var issues: [ProblemIssue] = []
        func integer(_ name: String, in range: ClosedRange<Int>, default value: Int) -> Int {
            guard let text = query.get(name) else { return value }
            guard let number = Int(text), range.contains(number) else {
                issues.append(ProblemIssue(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(32))'"))
                return value
            }
            return number
        }
        offset = integer("offset", in: Self.offsets, default: 0)
        limit = integer("limit", in: Self.limits, default: Self.defaultLimit)
        if let name = query.get("queue") {
            do {
                queue = try QueueName(name)
            } catch {
                issues.append(ProblemIssue(field: "queue", message: "\(error)"))
            }
        }
        guard issues.isEmpty else { throw Problem.invalidQuery(issues) }
    }

    /// The link to the page after this one.
    func next(path: String) -> String {
        "\(path)?" + (queue.map { "queue=\($0)&" } ?? "") + "offset=\(offset + limit)&limit=\(limit)"
    }
}
