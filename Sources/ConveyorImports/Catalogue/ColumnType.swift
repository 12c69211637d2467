/// The type of a dataset column: what a row's value must look like, and the PostgreSQL type
/// it is loaded as.
public enum ColumnType: Sendable, Equatable, CustomStringConvertible {
    /// A string, of at most `maxLength` characters when given.
    case text(maxLength: Int?)
    /// A whole number from -2147483648 to 2147483647.
    case integer
    /// A whole number from -9223372036854775808 to 9223372036854775807.
    case bigint
    /// A decimal number of any size (PostgreSQL's `numeric`).
    case numeric
    /// `true` or `false`.
    case boolean
    /// A calendar date, `YYYY-MM-DD`.
    case date
    /// An RFC 3339 timestamp with its offset from UTC, e.g. `2024-05-06T07:08:09Z`.
    case timestamptz

    /// The types as the catalogue writes them, for error messages.
    static let spellings = "text, text(N), integer, bigint, numeric, boolean, date, timestamptz"

    /// Reads a type as the catalogue writes it: `text`, `text(64)`, `integer`…; nil when unknown.
    init?(spelling: Substring) {
        switch spelling {
        case "text": self = .text(maxLength: nil)
        case "integer": self = .integer
        case "bigint": self = .bigint
        case "numeric": self = .numeric
        case "boolean": self = .boolean
        case "date": self = .date
        case "timestamptz": self = .timestamptz
        default:
            guard spelling.hasPrefix("text("), spelling.hasSuffix(")"),
                let length = Int(spelling.dropFirst(5).dropLast()), length > 0
            else { return nil }
            self = .text(maxLength: length)
        }
    }

    /// The PostgreSQL type of the staging column that rows of this type are copied into.
    var sqlType: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .bigint: "bigint"
        case .numeric: "numeric"
        case .boolean: "boolean"
        case .date: "date"
        case .timestamptz: "timestamptz"
        }
    }

    public var description: String {
        switch self {
        case .text(let maxLength?): "text(\(maxLength))"
        default: sqlType
        }
    }
}
