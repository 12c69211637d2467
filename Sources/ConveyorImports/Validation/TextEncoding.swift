import ConveyorCore

/// Copies a text value into PostgreSQL's COPY text format while checking it: valid UTF-8,
/// no NUL, and counting its characters for length limits. Runs of ordinary bytes are copied
/// at once; only backslashes, tabs, newlines and carriage returns are escaped.
enum TextEncoding {
    enum Outcome: Equatable {
        /// Copied; the value has this many characters (Unicode scalars, as `varchar(n)` counts).
        case characters(Int)
        /// Not copied completely: why, to follow "the value …".
        case invalid(String)
    }

    /// Appends `bytes[start..<end]`, raw UTF-8 text, escaped for COPY. With `undoubleQuotes`
    /// (a quoted CSV field), each `""` is one quote.
    static func appendCopyText(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, undoubleQuotes: Bool, into output: inout [UInt8]
    ) -> Outcome {
        var characters = 0
        var runStart = start
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte >= 0x80 {
                guard let length = UTF8Sequence.length(in: bytes, at: index, end: end) else {
                    return .invalid("is not valid UTF-8 (at byte \(index - start + 1))")
                }
                characters += 1
                index += length
                continue
            }
            characters += 1
            guard byte <= ASCII.carriageReturn || byte == ASCII.backslash || (undoubleQuotes && byte == ASCII.quote) else {
                index += 1
                continue
            }
            if byte == 0 { return .invalid("contains a NUL character, which PostgreSQL text cannot hold") }
            if byte == ASCII.quote {
                // Of a doubled pair, the first quote ends this run and the second is dropped.
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...index]))
                index += 2
                runStart = index
                continue
            }
            guard let (backslash, letter) = CopyText.escape(byte) else {
                index += 1
                continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            output.append(backslash)
            output.append(letter)
            index += 1
            runStart = index
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end]))
        return .characters(characters)
    }

    /// Appends the JSON string content `bytes[start..<end]` with its escapes decoded; with
    /// `escapingForCopy`, escaped again for COPY.
    static func appendJSONString(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, escapingForCopy: Bool, into output: inout [UInt8]
    ) -> Outcome {
        var characters = 0
        var runStart = start
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte >= 0x80 {
                guard let length = UTF8Sequence.length(in: bytes, at: index, end: end) else {
                    return .invalid("is not valid UTF-8 (at byte \(index - start + 1))")
                }
                characters += 1
                index += length
                continue
            }
            characters += 1
            guard byte == ASCII.backslash else {
                index += 1
                continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            guard index + 1 < end else { return .invalid("ends with a lone backslash") }
            let decoded: UInt32
            switch bytes[index + 1] {
            case ASCII.quote: decoded = 0x22
            case ASCII.backslash: decoded = 0x5C
            case UInt8(ascii: "/"): decoded = 0x2F
            case UInt8(ascii: "b"): decoded = 0x08
            case UInt8(ascii: "f"): decoded = 0x0C
            case UInt8(ascii: "n"): decoded = 0x0A
            case UInt8(ascii: "r"): decoded = 0x0D
            case UInt8(ascii: "t"): decoded = 0x09
            case UInt8(ascii: "u"):
                switch JSONString.unicodeEscape(in: UnsafeRawBufferPointer(bytes), at: index, end: end) {
                case .scalar(let scalar, let length):
                    if scalar == 0 { return .invalid("contains \\u0000, a NUL character, which PostgreSQL text cannot hold") }
                    appendScalar(scalar, escapingForCopy: escapingForCopy, into: &output)
                    index += length
                    runStart = index
                    continue
                case .invalid(.missingDigits, _):
                    return .invalid("has a \\u escape without four hexadecimal digits")
                case .invalid(.unpairedHighSurrogate, _), .invalid(.unpairedLowSurrogate, _):
                    return .invalid("has a \\u escape of half a surrogate pair")
                }
            default:
                return .invalid("has an unknown escape '\\\(Character(Unicode.Scalar(bytes[index + 1])))'")
            }
            appendScalar(decoded, escapingForCopy: escapingForCopy, into: &output)
            index += 2
            runStart = index
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end]))
        return .characters(characters)
    }

    /// Appends one decoded character as UTF-8, escaped for COPY when asked.
    private static func appendScalar(_ scalar: UInt32, escapingForCopy: Bool, into output: inout [UInt8]) {
        if escapingForCopy, scalar < 0x80, let (backslash, letter) = CopyText.escape(UInt8(scalar)) {
            output.append(backslash)
            output.append(letter)
            return
        }
        JSONString.appendUTF8(scalar, to: &output)
    }
}

/// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing past U+10FFFF.
enum UTF8Sequence {
    /// The length of the valid sequence starting with the non-ASCII byte at `index`, or nil.
    static func length(in bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: return nil
        }
        guard index + length <= end, secondRange.contains(bytes[index + 1]) else { return nil }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            return nil
        }
        return length
    }
}
