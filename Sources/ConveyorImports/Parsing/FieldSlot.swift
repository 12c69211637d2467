/// Where one field's value sits in the bytes being scanned, and in what form: the scanners
/// only find values, the ``RowEncoder`` reads them, so no value is copied before it is checked.
struct FieldSlot {
    enum Form: UInt8 {
        /// The row does not have the field.
        case absent
        /// JSON `null`, or an unquoted empty CSV field.
        case null
        /// A JSON string without escapes: the bytes are the content.
        case string
        /// A JSON string with backslash escapes, still escaped.
        case escapedString
        /// A JSON number, in JSON's grammar.
        case number
        case `true`
        case `false`
        /// A JSON object or array: never a column's value.
        case object
        case array
        /// A CSV field: the bytes are the content (a quoted field's, inside the quotes).
        case text
        /// A quoted CSV field whose content has doubled quotes (`""`) still to undo.
        case quotedText
    }

    var form: Form
    /// The value's first byte, and the index just past its last.
    var start: Int
    var end: Int

    static let absent = FieldSlot(form: .absent, start: 0, end: 0)
}

extension FieldSlot.Form {
    /// The kind of JSON value, for messages: "a number".
    var kindOfValue: String {
        switch self {
        case .absent: "nothing"
        case .null: "null"
        case .string, .escapedString, .text, .quotedText: "a string"
        case .number: "a number"
        case .true, .false: "true or false"
        case .object: "an object"
        case .array: "an array"
        }
    }
}
