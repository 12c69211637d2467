/// The bytes the scanners look for.
enum ASCII {
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let plus = UInt8(ascii: "+")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let colon = UInt8(ascii: ":")
    static let openingBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let closingBracket = UInt8(ascii: "]")
    static let openingBrace = UInt8(ascii: "{")
    static let closingBrace = UInt8(ascii: "}")

    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    /// Up to 20 bytes from `index`, quoted, for messages such as "found 'abc'".
    static func describe(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> String {
        let excerpt = UnsafeBufferPointer(rebasing: bytes[index..<min(end, index + 20)])
        var text = String(decoding: excerpt, as: UTF8.self)
        if let newline = text.firstIndex(of: "\n") { text = String(text[..<newline]) }
        return "'\(text)\(index + 20 < end ? "…" : "")'"
    }
}
