/// The copying that every text escaper shares: a value's bytes go out as they are, in one
/// copy per run between escapes, so a value with none costs one copy. ``JSONString`` and
/// ``CopyText`` say which bytes are escaped and how.
enum EscapedText {
    /// Appends `value`'s UTF-8 to `output`, each byte for which `isEscaped` holds written by
    /// `writeEscape` instead.
    @inline(__always)
    static func append(
        _ value: String, to output: inout [UInt8], escaping isEscaped: (UInt8) -> Bool, with writeEscape: (UInt8, inout [UInt8]) -> Void
    ) {
        var value = value
        value.withUTF8 { utf8 in
            var plainFrom = 0
            for index in utf8.indices where isEscaped(utf8[index]) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainFrom..<index]))
                writeEscape(utf8[index], &output)
                plainFrom = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainFrom...]))
        }
    }
}
