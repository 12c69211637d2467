/// The rule for names of cached values, which appear in URLs and Redis keys.
enum CacheName {
    /// 1 to 63 of a-z, 0-9, `_` and `-`, starting with a letter.
    static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
        return (1...63).contains(bytes.count) && bytes.first.map(isLetter) == true
            && bytes.allSatisfy {
                isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
    }
}
