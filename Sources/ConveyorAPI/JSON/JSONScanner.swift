import ConveyorCore

/// A strict JSON reader over a request body's bytes (RFC 8259): it checks the syntax and
/// UTF-8, opens the containers of the first `openLevels` levels into ``JSONField`` members
/// and elements, and keeps every other value as compact text, so a job's payload is stored
/// as the caller sent it, without decoding it into a tree and encoding it again.
struct JSONScanner {
    /// Where the JSON goes wrong, with the line and column of that place.
    struct SyntaxError: Error, CustomStringConvertible {
        let message: String
        let line: Int
        let column: Int

        var description: String { "\(message) at line \(line), column \(column)" }
    }

    /// Containers nested deeper than this are refused: the scanner recurses.
    static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    /// Reads the single value that `bytes` holds, opening containers down to `openLevels`
    /// levels (1: the top-level object's members).
    static func parse(_ bytes: UnsafeRawBufferPointer, openLevels: Int) throws(SyntaxError) -> JSONField {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        let value = try scanner.readValue(depth: 0, openLevels: openLevels)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.error("unexpected \(scanner.found) after the value") }
        return value
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: Values

    private mutating func readValue(depth: Int, openLevels: Int) throws(SyntaxError) -> JSONField {
        guard index < bytes.count else { throw error("the JSON ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw error("containers are nested more than \(Self.maxDepth) deep") }
            if depth < openLevels { return try openContainer(depth: depth, openLevels: openLevels) }
            let isObject = bytes[index] == UInt8(ascii: "{")
            var json: [UInt8] = []
            try copyValue(into: &json, depth: depth)
            return JSONField(kind: isObject ? .object : .array, json: json)
        case UInt8(ascii: "\""):
            let start = index
            let string = try readString()
            return JSONField(kind: .string, json: Array(bytes[start..<index]), string: string)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return JSONField(kind: .bool, json: Array("true".utf8), number: 1)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return JSONField(kind: .bool, json: Array("false".utf8), number: 0)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return JSONField(kind: .null, json: Array("null".utf8))
        default:
            let start = index
            try skipNumber()
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            return JSONField(kind: .number, json: Array(bytes[start..<index]), number: Double(text))
        }
    }

    /// Reads an object's members or an array's elements into fields.
    private mutating func openContainer(depth: Int, openLevels: Int) throws(SyntaxError) -> JSONField {
        if bytes[index] == UInt8(ascii: "[") {
            var elements: [JSONField] = []
            index += 1
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return JSONField(kind: .array, elements: elements)
            }
            while true {
                skipWhitespace()
                elements.append(try readValue(depth: depth + 1, openLevels: openLevels))
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return JSONField(kind: .array, elements: elements)
                default: throw error("expected ',' or ']' after an array element, found \(found)")
                }
            }
        }
        var members: [(name: String, value: JSONField)] = []
        index += 1
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return JSONField(kind: .object, members: members)
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw error("expected a member name in double quotes, found \(found)") }
            let name = try readString()
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw error("expected ':' after a member name, found \(found)") }
            index += 1
            skipWhitespace()
            members.append((name, try readValue(depth: depth + 1, openLevels: openLevels)))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return JSONField(kind: .object, members: members)
            default: throw error("expected ',' or '}' after a member's value, found \(found)")
            }
        }
    }

    /// Checks the value at `index` and appends it to `json` without whitespace.
    private mutating func copyValue(into json: inout [UInt8], depth: Int) throws(SyntaxError) {
        guard index < bytes.count else { throw error("the JSON ends where a value should be") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw error("containers are nested more than \(Self.maxDepth) deep") }
            let isObject = bytes[index] == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            json.append(bytes[index])
            index += 1
            skipWhitespace()
            if try peek() == close {
                json.append(close)
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if isObject {
                    guard try peek() == UInt8(ascii: "\"") else { throw error("expected a member name in double quotes, found \(found)") }
                    try copyValue(into: &json, depth: depth + 1)
                    skipWhitespace()
                    guard try peek() == UInt8(ascii: ":") else { throw error("expected ':' after a member name, found \(found)") }
                    json.append(UInt8(ascii: ":"))
                    index += 1
                    skipWhitespace()
                }
                try copyValue(into: &json, depth: depth + 1)
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","):
                    json.append(UInt8(ascii: ","))
                    index += 1
                case close:
                    json.append(close)
                    index += 1
                    return
                default:
                    throw error("expected ',' or '\(Character(Unicode.Scalar(close)))' in \(isObject ? "an object" : "an array"), found \(found)")
                }
            }
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        default: try skipNumber()
        }
        json.append(contentsOf: bytes[start..<index])
    }

    // MARK: Scalars

    /// Reads the string at `index` (at its opening quote), checking its escapes and UTF-8.
    private mutating func readString() throws(SyntaxError) -> String {
        let start = index
        index += 1
        var decoded: [UInt8]?
        var runStart = index
        while true {
            guard index < bytes.count else { throw error("a string is not closed", at: start) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw error("a control character must be escaped in a string") }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if decoded == nil { decoded = [] }
            decoded!.append(contentsOf: bytes[runStart..<index])
            index += 1
            guard index < bytes.count else { throw error("a string is not closed", at: start) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded!.append(escape)
            case UInt8(ascii: "b"): decoded!.append(0x08)
            case UInt8(ascii: "f"): decoded!.append(0x0C)
            case UInt8(ascii: "n"): decoded!.append(0x0A)
            case UInt8(ascii: "r"): decoded!.append(0x0D)
            case UInt8(ascii: "t"): decoded!.append(0x09)
            case UInt8(ascii: "u"):
                switch JSONString.unicodeEscape(in: bytes, at: index - 2, end: bytes.count) {
                case .scalar(let scalar, let length):
                    JSONString.appendUTF8(scalar, to: &decoded!)
                    index += length - 2
                case .invalid(.missingDigits, let position):
                    throw error("a \\u escape needs four hexadecimal digits", at: position)
                case .invalid(.unpairedHighSurrogate, let position):
                    throw error("a \\u escape of a high surrogate must be followed by a low one", at: position)
                case .invalid(.unpairedLowSurrogate, let position):
                    throw error("a \\u escape holds a low surrogate without a high one", at: position)
                }
            default:
                throw error("'\\\(Character(Unicode.Scalar(escape)))' is not an escape of JSON")
            }
            runStart = index
        }
        let text: String?
        if var decoded {
            decoded.append(contentsOf: bytes[runStart..<index])
            text = String(validating: decoded, as: UTF8.self)
        } else if bytes[start + 1..<index].allSatisfy({ $0 < 0x80 }) {
            // ASCII, the common case, is valid UTF-8 as it is.
            text = String(decoding: bytes[start + 1..<index], as: UTF8.self)
        } else {
            text = String(validating: bytes[start + 1..<index], as: UTF8.self)
        }
        index += 1
        guard let text else { throw error("a string is not valid UTF-8", at: start) }
        return text
    }

    /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`
    private mutating func skipNumber() throws(SyntaxError) {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else {
            index = start
            throw error("expected a value, found \(found)")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("a number needs digits after its '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("a number needs digits in its exponent") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
            literal.withUTF8Buffer({ expected in bytes[index..<index + count].elementsEqual(expected) })
        else { throw error("expected a value, found \(found)") }
        index += count
    }

    // MARK: Places

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private func peek() throws(SyntaxError) -> UInt8 {
        guard index < bytes.count else { throw error("the JSON ends before it is complete") }
        return bytes[index]
    }

    /// The byte at `index`, described for a message.
    private var found: String {
        guard index < bytes.count else { return "the end" }
        let byte = bytes[index]
        return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte \(byte)"
    }

    private func error(_ message: String, at position: Int? = nil) -> SyntaxError {
        let position = min(position ?? index, bytes.count)
        var line = 1
        var lineStart = 0
        for offset in 0..<position where bytes[offset] == UInt8(ascii: "\n") {
            line += 1
            lineStart = offset + 1
        }
        return SyntaxError(message: message, line: line, column: position - lineStart + 1)
    }
}
