import ConveyorCore

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self }

    public init(postgresText: String) {
        self = postgresText
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self ? "true" : "false" }

    /// Reads `t` and `f`, PostgreSQL's output, and also `true` and `false`.
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingError(decoding: postgresText, as: Bool.self, reason: "not a boolean")
        }
    }
}

/// The integer types share one conformance: their text is plain decimal either way.
public protocol PostgresIntegerText: FixedWidthInteger, PostgresEncodable, PostgresDecodable {}

extension PostgresIntegerText {
    public var postgresText: String { String(self) }

    public init(postgresText: String) throws {
        guard let value = Self(postgresText, radix: 10) else {
            throw PostgresDecodingError(decoding: postgresText, as: Self.self, reason: "not an integer that fits")
        }
        self = value
    }
}

extension Int: PostgresIntegerText {}
extension Int32: PostgresIntegerText {}
extension Int64: PostgresIntegerText {}

extension Double: PostgresEncodable, PostgresDecodable {
    /// Shortest text that reads back as the same value; infinities and NaN in PostgreSQL's spelling.
    public var postgresText: String {
        if self.isNaN { return "NaN" }
        if self.isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return self.description
    }

    public init(postgresText: String) throws {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(postgresText) else {
                throw PostgresDecodingError(decoding: postgresText, as: Double.self, reason: "not a number")
            }
            self = value
        }
    }
}

/// `bytea`, in PostgreSQL's hex format (`\x0aff…`).
extension Array: PostgresEncodable, PostgresDecodable where Element == UInt8 {

    public var postgresText: String {
        var text = [UInt8](repeating: 0, count: 2 + 2 * self.count)
        text[0] = UInt8(ascii: "\\")
        text[1] = UInt8(ascii: "x")
        for (offset, byte) in self.enumerated() {
            text[2 + 2 * offset] = Hexadecimal.digits[Int(byte >> 4)]
            text[3 + 2 * offset] = Hexadecimal.digits[Int(byte & 0x0f)]
        }
        return String(decoding: text, as: UTF8.self)
    }

    public init(postgresText: String) throws {
        let text = Array(postgresText.utf8)
        guard text.count % 2 == 0, text.starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "x")]) else {
            throw PostgresDecodingError(decoding: postgresText, as: [UInt8].self, reason: "not bytea in hex format")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.count / 2 - 1)
        var index = 2
        while index < text.count {
            guard let high = Hexadecimal.value(of: text[index]), let low = Hexadecimal.value(of: text[index + 1]) else {
                throw PostgresDecodingError(decoding: postgresText, as: [UInt8].self, reason: "not bytea in hex format")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }
}
