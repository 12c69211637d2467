/// Checks a scanned row against its dataset and writes it as one line of PostgreSQL's COPY
/// text format: the row's body line, then its values in the dataset's column order, separated
/// by tabs, `\N` for NULL. The line number travels with the row so that a row PostgreSQL
/// rejects later can be named by its line.
struct RowEncoder {
    let columns: [DatasetColumn]

    init(_ dataset: Dataset) {
        columns = dataset.columns
    }

    /// Appends `row` to `output` and returns true; or, when it has problems, appends them to
    /// `problems`, leaves `output` as it was, and returns false.
    func encode(
        _ row: ScannedRow, in bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], problems: inout [RowProblem]
    ) -> Bool {
        problems.append(contentsOf: row.problems)
        if row.isUnreadable { return false }
        let rowStart = output.count
        var isValid = row.problems.isEmpty
        Self.appendDecimal(row.line, to: &output)
        for (index, column) in columns.enumerated() {
            output.append(ASCII.tab)
            if let message = Self.append(row.fields[index], of: column, in: bytes, to: &output) {
                problems.append(RowProblem(line: row.line, field: column.name, message: message))
                isValid = false
            }
        }
        output.append(ASCII.newline)
        if !isValid { output.removeSubrange(rowStart...) }
        return isValid
    }

    /// Appends one value as COPY text, or returns what is wrong with it.
    private static func append(
        _ field: FieldSlot, of column: DatasetColumn, in bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
    ) -> String? {
        switch field.form {
        case .absent, .null:
            guard !column.isRequired else {
                return field.form == .absent ? "is required but missing" : "is required but empty"
            }
            output.append(contentsOf: [ASCII.backslash, UInt8(ascii: "N")])
            return nil
        case .object, .array:
            return "should be \(expectation(column.type)), not a JSON \(field.form == .object ? "object" : "array")"
        default:
            break
        }
        switch column.type {
        case .text(let maxLength):
            return appendText(field, maxLength: maxLength, in: bytes, to: &output)
        case .integer:
            return appendWholeNumber(field, in: Int64(Int32.min)...Int64(Int32.max), of: column.type, bytes, &output)
        case .bigint:
            return appendWholeNumber(field, in: Int64.min...Int64.max, of: column.type, bytes, &output)
        case .numeric:
            let isValid =
                field.form == .number || (field.form == .text && ValueSyntax.isDecimal(bytes, field.start, field.end))
            return isValid ? copy(field, bytes, &output) : mismatch(field, column.type, bytes)
        case .boolean:
            let value: Bool? =
                switch field.form {
                case .true: true
                case .false: false
                case .text: ValueSyntax.boolean(bytes, field.start, field.end)
                default: nil
                }
            guard let value else { return mismatch(field, column.type, bytes) }
            output.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            return nil
        case .date:
            let isValid = Self.isPlainText(field) && ValueSyntax.isDate(bytes, field.start, field.end)
            return isValid ? copy(field, bytes, &output) : mismatch(field, column.type, bytes)
        case .timestamptz:
            let isValid = Self.isPlainText(field) && ValueSyntax.isTimestamp(bytes, field.start, field.end)
            return isValid ? copy(field, bytes, &output) : mismatch(field, column.type, bytes)
        }
    }

    private static func appendText(
        _ field: FieldSlot, maxLength: Int?, in bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
    ) -> String? {
        let outcome: TextEncoding.Outcome
        switch field.form {
        case .string, .text:
            outcome = TextEncoding.appendCopyText(bytes, field.start, field.end, undoubleQuotes: false, into: &output)
        case .quotedText:
            outcome = TextEncoding.appendCopyText(bytes, field.start, field.end, undoubleQuotes: true, into: &output)
        case .escapedString:
            outcome = TextEncoding.appendJSONString(bytes, field.start, field.end, escapingForCopy: true, into: &output)
        default:
            return mismatch(field, .text(maxLength: maxLength), bytes)
        }
        switch outcome {
        case .invalid(let reason):
            return reason
        case .characters(let count):
            if let maxLength, count > maxLength {
                return "is \(count) characters long; at most \(maxLength) are allowed"
            }
            return nil
        }
    }

    private static func appendWholeNumber(
        _ field: FieldSlot, in range: ClosedRange<Int64>, of type: ColumnType, _ bytes: UnsafeBufferPointer<UInt8>,
        _ output: inout [UInt8]
    ) -> String? {
        switch field.form {
        case .number where !ValueSyntax.isJSONWholeNumber(bytes, field.start, field.end):
            return "should be a whole number, not \(excerpt(field, bytes))"
        case .number, .text:
            switch ValueSyntax.wholeNumber(bytes, field.start, field.end, in: range) {
            case .valid: return copy(field, bytes, &output)
            case .notWhole: return mismatch(field, type, bytes)
            case .outOfRange:
                return "\(excerpt(field, bytes)) is out of range for \(type): use \(range.lowerBound) to \(range.upperBound)"
            }
        default:
            return mismatch(field, type, bytes)
        }
    }

    /// A value whose bytes need no escaping (checked digits, dates), copied as they are.
    private static func copy(_ field: FieldSlot, _ bytes: UnsafeBufferPointer<UInt8>, _ output: inout [UInt8]) -> String? {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]))
        return nil
    }

    /// A JSON string without escapes, or a CSV field: text whose bytes are the value.
    private static func isPlainText(_ field: FieldSlot) -> Bool {
        field.form == .string || field.form == .text
    }

    private static func mismatch(_ field: FieldSlot, _ type: ColumnType, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let given =
            switch field.form {
            case .string, .escapedString: "the string \(excerpt(field, bytes))"
            case .number: "the number \(excerpt(field, bytes))"
            default: excerpt(field, bytes)
            }
        return "should be \(expectation(type)), not \(given)"
    }

    /// What a value of `type` looks like, for messages.
    private static func expectation(_ type: ColumnType) -> String {
        switch type {
        case .text: "a string"
        case .integer, .bigint: "a whole number"
        case .numeric: "a number"
        case .boolean: "true or false"
        case .date: "a date such as 2024-05-06"
        case .timestamptz: "an RFC 3339 timestamp with its offset, such as 2024-05-06T07:08:09Z"
        }
    }

    /// The value's text, quoted and cut to 40 bytes, for messages.
    private static func excerpt(_ field: FieldSlot, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let isCut = field.end - field.start > 40
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<min(field.end, field.start + 40)]), as: UTF8.self)
        return "'\(text)\(isCut ? "…" : "")'"
    }

    /// Appends a non-negative number's decimal digits.
    static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            output.append(ASCII.zero + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }
}
