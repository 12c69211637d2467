/// An RFC 9457 problem as the API answers it: what went wrong, and what to fix.
struct APIProblem: Decodable, Sendable {
    /// One bad field, line or query parameter of the request.
    struct Issue: Decodable, Sendable {
        var line: Int?
        var field: String?
        var message: String
    }

    var title: String?
    var status: Int?
    var detail: String?
    var errors: [Issue]?
}
