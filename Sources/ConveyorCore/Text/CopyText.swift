/// PostgreSQL's COPY text format, byte by byte: the one place that knows which bytes a field
/// escapes (the job history's rows, an import's values) and what COPY's escapes stand for
/// (an export read back from `COPY … TO STDOUT`).
public enum CopyText {
    /// The escape that stands for `byte` in a field (a backslash, tab, newline or carriage
    /// return), or nil for a byte that goes as it is.
    @inline(__always)
    public static func escape(_ byte: UInt8) -> (UInt8, UInt8)? {
        switch byte {
        case UInt8(ascii: "\\"): (UInt8(ascii: "\\"), UInt8(ascii: "\\"))
        case 0x09: (UInt8(ascii: "\\"), UInt8(ascii: "t"))
        case 0x0A: (UInt8(ascii: "\\"), UInt8(ascii: "n"))
        case 0x0D: (UInt8(ascii: "\\"), UInt8(ascii: "r"))
        default: nil
        }
    }

    /// Appends `byte`, escaped when it must be.
    @inline(__always)
    public static func append(_ byte: UInt8, to output: inout [UInt8]) {
        if let (backslash, letter) = escape(byte) {
            output.append(backslash)
            output.append(letter)
        } else {
            output.append(byte)
        }
    }

    /// Appends `value` as a field, escaped where it must be; the bytes between escapes go in
    /// one copy each.
    public static func append(_ value: String, to output: inout [UInt8]) {
        EscapedText.append(value, to: &output, escaping: { escape($0) != nil }, with: append)
    }

    /// The byte that the escape `\x` stands for, given `x`; any other byte stands for itself.
    public static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "v"): 0x0B
        default: byte
        }
    }
}
