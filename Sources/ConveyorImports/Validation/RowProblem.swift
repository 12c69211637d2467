/// Something wrong with one row of an import body: where it is and what to fix.
public struct RowProblem: Encodable, Sendable, Equatable, CustomStringConvertible {
    /// The body's line on which the row starts, from 1 (a CSV header is line 1).
    public let line: Int
    /// The field at fault; nil when the problem is the row as a whole.
    public let field: String?
    public let message: String

    public init(line: Int, field: String?, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        field.map { "line \(line), field '\($0)': \(message)" } ?? "line \(line): \(message)"
    }
}
