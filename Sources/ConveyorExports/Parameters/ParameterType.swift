import ConveyorCore
import ConveyorQueue

/// The type of an export parameter, as a catalogue file's `-- param` line names it. A value
/// is checked against its type before it goes into the query, where it becomes a typed
/// literal (`'…'::timestamptz`): COPY takes no bind parameters.
public enum ParameterType: String, Sendable, CaseIterable {
    case text
    case integer
    case numeric
    case boolean
    case date
    case timestamptz

    /// The types a catalogue file may name, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")

    /// The SQL type the literal is cast to.
    var sqlType: String {
        switch self {
        case .text: "text"
        case .integer: "bigint"
        case .numeric: "numeric"
        case .boolean: "boolean"
        case .date: "date"
        case .timestamptz: "timestamptz"
        }
    }

    /// What a value of this type looks like in a request, for error messages.
    var expectation: String {
        switch self {
        case .text: "a string"
        case .integer: "a whole number such as 42 (or a string of one)"
        case .numeric: "a number such as 12.50 (or a string of one)"
        case .boolean: "true or false"
        case .date: "a date as a string, YYYY-MM-DD, such as \"2024-05-01\""
        case .timestamptz: "a time as a string with its offset, such as \"2024-05-01T00:00:00Z\" or \"2024-05-01T09:30:00+02:00\""
        }
    }

    /// The value's text for the query literal, or nil when `value` is not of this type.
    func text(of value: JSONValue) -> String? {
        switch (self, value) {
        case (.text, .string(let text)):
            return text.utf8.contains(0) ? nil : text
        case (.integer, .number(let number)):
            guard number.rounded() == number, abs(number) < 9e15 else { return nil }
            return String(Int64(number))
        case (.integer, .string(let text)):
            return Int64(text).map(String.init)
        case (.numeric, .number(let number)):
            return number.isFinite ? Self.decimalText(number) : nil
        case (.numeric, .string(let text)):
            return LiteralSyntax.isDecimal(text) ? text : nil
        case (.boolean, .bool(let flag)):
            return flag ? "true" : "false"
        case (.date, .string(let text)):
            return LiteralSyntax.isDate(text) ? text : nil
        case (.timestamptz, .string(let text)):
            return LiteralSyntax.isTimestamp(text) ? text : nil
        default:
            return nil
        }
    }

    /// A JSON number as a plain decimal: whole numbers without a fraction, others as Swift
    /// writes them (which PostgreSQL reads, exponent included).
    private static func decimalText(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 9e15 { return String(Int64(number)) }
        return String(number)
    }
}
