/// One JSON value of a request, as ``JSONScanner`` reads it: its type, its text without
/// insignificant whitespace (for values kept as they are, such as a job's payload), the
/// decoded value of a string, number or literal, and the members or elements of the
/// containers the scanner was asked to open.
struct JSONField: Sendable {
    enum Kind: Sendable, Equatable {
        case null, bool, number, string, array, object
    }

    var kind: Kind
    /// The value as compact JSON text; empty for a container that was opened (its
    /// ``members`` or ``elements`` hold it instead).
    var json: [UInt8] = []
    /// The text of a string.
    var string: String?
    /// The value of a number, or of `true` and `false` as 1 and 0.
    var number: Double?
    /// The members of an opened object, in order.
    var members: [(name: String, value: JSONField)]?
    /// The elements of an opened array.
    var elements: [JSONField]?

    /// The value, unless it is `null`: a member that is null counts as absent.
    var present: JSONField? { kind == .null ? nil : self }

    /// The compact JSON text as a string.
    var jsonText: String { String(decoding: json, as: UTF8.self) }

    /// The value's type (and the value of a short scalar), for messages.
    var description: String {
        switch kind {
        case .null: "null"
        case .bool: number == 1 ? "true" : "false"
        case .number: "the number \(jsonText)"
        case .string: "the string \(Self.quoted(string ?? ""))"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Text from the request, quoted and cut short, for messages.
    static func quoted(_ text: String) -> String {
        text.count <= 64 ? "'\(text)'" : "'\(text.prefix(64))…'"
    }
}
