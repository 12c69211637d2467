/// Reads JSON byte by byte for the row scanners: objects into a row's fields, other values
/// only as far as finding where they end. Values are never decoded here; the ``RowEncoder``
/// does that for the fields a dataset has.
struct JSONReader {
    enum Failure: Error {
        /// The bytes ended before the value did.
        case truncated
        /// Not JSON: what was expected.
        case syntax(String)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// Reading stops here: the end of an NDJSON line, or of the bytes at hand.
    let end: Int
    var index: Int
    /// The line at `index`; raw newlines occur only in whitespace, outside strings.
    var line: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int, end: Int, line: Int) {
        self.bytes = bytes
        self.index = index
        self.end = end
        self.line = line
    }

    /// Skips whitespace; false when it reached `end`.
    mutating func skipWhitespace() -> Bool {
        while index < end {
            switch bytes[index] {
            case ASCII.space, ASCII.tab, ASCII.carriageReturn: index += 1
            case ASCII.newline:
                index += 1
                line += 1
            default: return true
            }
        }
        return false
    }

    /// The byte at `index` after whitespace.
    private mutating func nextByte() throws(Failure) -> UInt8 {
        guard skipWhitespace() else { throw .truncated }
        return bytes[index]
    }

    /// Reads the object at `index` (at its `{`) into `row`, by the dataset's field names.
    mutating func readObject(into row: inout ScannedRow, names: FieldNames) throws(Failure) {
        index += 1
        if try nextByte() == ASCII.closingBrace {
            index += 1
            return
        }
        var key: [UInt8] = []
        while true {
            guard bytes[index] == ASCII.quote else { throw .syntax("expected a field name in double quotes, found \(found)") }
            let keyStart = index + 1
            let (keyEnd, keyIsEscaped) = try skipString()
            guard try nextByte() == ASCII.colon else { throw .syntax("expected ':' after a field name, found \(found)") }
            index += 1
            _ = try nextByte()
            let value = try readValue()
            if keyIsEscaped {
                key.removeAll(keepingCapacity: true)
                if case .invalid(let reason) = TextEncoding.appendJSONString(bytes, keyStart, keyEnd, escapingForCopy: false, into: &key) {
                    throw .syntax("a field name \(reason)")
                }
                key.withUnsafeBufferPointer { names.assign(value, toFieldNamed: $0, 0, $0.count, in: &row) }
            } else {
                names.assign(value, toFieldNamed: bytes, keyStart, keyEnd, in: &row)
            }
            switch try nextByte() {
            case ASCII.comma:
                index += 1
                _ = try nextByte()
            case ASCII.closingBrace:
                index += 1
                return
            default:
                throw .syntax("expected ',' or '}' after a value, found \(found)")
            }
        }
    }

    /// Finds the end of the value at `index` and moves past it.
    mutating func readValue() throws(Failure) -> FieldSlot {
        let start = index
        switch bytes[index] {
        case ASCII.quote:
            let (contentEnd, isEscaped) = try skipString()
            return FieldSlot(form: isEscaped ? .escapedString : .string, start: start + 1, end: contentEnd)
        case ASCII.minus, ASCII.zero...ASCII.nine:
            try skipNumber()
            return FieldSlot(form: .number, start: start, end: index)
        case UInt8(ascii: "t"):
            try skipLiteral("true")
            return FieldSlot(form: .true, start: start, end: index)
        case UInt8(ascii: "f"):
            try skipLiteral("false")
            return FieldSlot(form: .false, start: start, end: index)
        case UInt8(ascii: "n"):
            try skipLiteral("null")
            return FieldSlot(form: .null, start: start, end: index)
        case ASCII.openingBrace:
            try skipContainer()
            return FieldSlot(form: .object, start: start, end: index)
        case ASCII.openingBracket:
            try skipContainer()
            return FieldSlot(form: .array, start: start, end: index)
        default:
            throw .syntax("expected a value, found \(found)")
        }
    }

    /// At an opening quote: moves past the closing one; returns where the content ends and
    /// whether it has escapes (checked when the string is decoded).
    private mutating func skipString() throws(Failure) -> (contentEnd: Int, isEscaped: Bool) {
        var position = index + 1
        var isEscaped = false
        while position < end {
            let byte = bytes[position]
            if byte == ASCII.quote {
                index = position + 1
                return (position, isEscaped)
            }
            if byte == ASCII.backslash {
                isEscaped = true
                position += 2
                continue
            }
            if byte < 0x20 {
                throw .syntax(
                    byte == ASCII.newline
                        ? "a string is not closed on the line where it starts"
                        : "a control character (\(byte)) inside a string: write it as an escape such as \\t or \\u0001"
                )
            }
            position += 1
        }
        throw .truncated
    }

    /// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private mutating func skipNumber() throws(Failure) {
        if bytes[index] == ASCII.minus { index += 1 }
        guard index < end else { throw .truncated }
        if bytes[index] == ASCII.zero {
            index += 1
        } else {
            guard try skipDigits() > 0 else { throw .syntax("a number with no digits after '-'") }
        }
        if index < end, bytes[index] == ASCII.dot {
            index += 1
            guard try skipDigits() > 0 else { throw .syntax("a number with no digits after its decimal point") }
        }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            guard index < end else { throw .truncated }
            if bytes[index] == ASCII.plus || bytes[index] == ASCII.minus { index += 1 }
            guard try skipDigits() > 0 else { throw .syntax("a number with no digits in its exponent") }
        }
    }

    private mutating func skipDigits() throws(Failure) -> Int {
        let start = index
        while index < end, ASCII.isDigit(bytes[index]) { index += 1 }
        // Digits running into the end of the bytes may go on in the next piece.
        if index == end { throw .truncated }
        return index - start
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(Failure) {
        let length = literal.utf8CodeUnitCount
        for offset in 0..<length {
            guard index + offset < end else { throw .truncated }
            guard bytes[index + offset] == literal.utf8Start[offset] else {
                throw .syntax("expected a value, found \(found)")
            }
        }
        index += length
    }

    /// Skips an object or array whole. Its inside is only matched for brackets and strings,
    /// since a nested value is refused anyway (no column holds one).
    private mutating func skipContainer() throws(Failure) {
        var depth = 0
        while index < end {
            switch bytes[index] {
            case ASCII.openingBrace, ASCII.openingBracket:
                depth += 1
                index += 1
            case ASCII.closingBrace, ASCII.closingBracket:
                depth -= 1
                index += 1
                if depth == 0 { return }
            case ASCII.quote:
                _ = try skipString()
            case ASCII.newline:
                line += 1
                index += 1
            default:
                index += 1
            }
        }
        throw .truncated
    }

    /// The text at `index`, quoted for a message.
    var found: String {
        guard index < end else { return "the end of the line" }
        return ASCII.describe(bytes, at: index, end: end)
    }
}
