/// JSON strings as bytes: the one escaper every writer of JSON text uses (the API's answers,
/// the log lines), and the one reader of `\u` escapes (the API's request scanner, the
/// import's JSON rows).
public enum JSONString {
    /// Appends `value` as a JSON string, quotes included: quotes, backslashes and control
    /// characters escaped, everything else as it is. The bytes between escapes go in one
    /// copy each, so a string with none costs one copy.
    public static func append(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        EscapedText.append(value, to: &bytes, escaping: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }, with: appendEscape)
        bytes.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(of byte: UInt8, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(Hexadecimal.digits[Int(byte >> 4)])
            bytes.append(Hexadecimal.digits[Int(byte & 0xF)])
        }
    }

    /// What a `\u` escape holds.
    public enum UnicodeEscape: Equatable, Sendable {
        /// A character, written in `length` bytes (6, or 12 for a surrogate pair).
        case scalar(UInt32, length: Int)
        /// Not a character; `position` is the byte where reading stopped.
        case invalid(UnicodeEscapeError, position: Int)
    }

    /// Why a `\u` escape is not a character.
    public enum UnicodeEscapeError: Equatable, Sendable {
        /// `\u` not followed by four hexadecimal digits.
        case missingDigits
        /// A high surrogate not followed by a `\u` escape of a low one.
        case unpairedHighSurrogate
        /// A low surrogate without a high one before it.
        case unpairedLowSurrogate
    }

    /// Reads the `\u` escape whose backslash is at `index`, with the low half of a surrogate
    /// pair, in `bytes` up to `end`.
    public static func unicodeEscape(in bytes: UnsafeRawBufferPointer, at index: Int, end: Int) -> UnicodeEscape {
        let high: UInt32
        switch hexQuad(bytes, at: index + 2, end: end) {
        case .success(let value): high = value
        case .failure(let stop): return .invalid(.missingDigits, position: stop.position)
        }
        switch high {
        case 0xD800...0xDBFF:
            guard index + 7 < end, bytes[index + 6] == UInt8(ascii: "\\"), bytes[index + 7] == UInt8(ascii: "u") else {
                return .invalid(.unpairedHighSurrogate, position: index + 6)
            }
            switch hexQuad(bytes, at: index + 8, end: end) {
            case .success(let low) where (0xDC00...0xDFFF).contains(low):
                return .scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), length: 12)
            case .success:
                return .invalid(.unpairedHighSurrogate, position: index + 12)
            case .failure(let stop):
                return .invalid(.missingDigits, position: stop.position)
            }
        case 0xDC00...0xDFFF:
            return .invalid(.unpairedLowSurrogate, position: index + 6)
        default:
            return .scalar(high, length: 6)
        }
    }

    private struct NotHexadecimal: Error {
        let position: Int
    }

    /// The four hexadecimal digits at `index`, or where they stop.
    private static func hexQuad(_ bytes: UnsafeRawBufferPointer, at index: Int, end: Int) -> Result<UInt32, NotHexadecimal> {
        var value: UInt32 = 0
        for position in index..<index + 4 {
            guard position < end else { return .failure(NotHexadecimal(position: position)) }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return .failure(NotHexadecimal(position: position))
            }
            value = value << 4 | UInt32(digit)
        }
        return .success(value)
    }

    /// Appends `scalar` as UTF-8.
    public static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            output.append(UInt8(scalar))
        case ..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
