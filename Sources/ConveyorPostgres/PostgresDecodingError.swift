/// A result column's text that could not become the requested Swift type, or a NULL where a
/// value was required.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable {
    /// The column being decoded, once ``PostgresRow`` knows it.
    public var column: String?
    /// The Swift type asked for, such as `Int`.
    public var type: String
    /// The start of the column's text, or nil when it was NULL.
    public var text: String?
    /// Why the text does not fit.
    public var reason: String

    /// How much of the offending text goes into the description: enough to recognise it, no more.
    private static let quotedTextLimit = 60

    public init(column: String? = nil, type: String, text: String?, reason: String) {
        self.column = column
        self.type = type
        self.text = text.map { String($0.prefix(Self.quotedTextLimit)) }
        self.reason = reason
    }

    init<T>(decoding text: String, as type: T.Type, reason: String) {
        self.init(type: String(describing: type), text: text, reason: reason)
    }

    public var description: String {
        let column = self.column.map { "column \"\($0)\"" } ?? "a column"
        guard let text else {
            return "cannot decode \(column) as \(self.type): \(self.reason)"
        }
        return "cannot decode \(column) as \(self.type): \(self.reason) (text: \"\(text)\")"
    }
}
