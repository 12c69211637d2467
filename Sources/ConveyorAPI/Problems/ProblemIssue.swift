/// One bad field or line of a request, as listed in a problem's `errors`: the line (of
/// an uploaded file, counted from 1), the field, and what is wrong with it.
public struct ProblemIssue: Encodable, Sendable, Equatable {
    public var line: Int?
    public var field: String?
    public var message: String

    public init(line: Int? = nil, field: String? = nil, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }
}
