import ConveyorCore

/// Turns the output of `COPY (SELECT row_to_json(q) FROM (query) q) TO STDOUT` into a JSON
/// array of those objects, piece by piece: COPY's text format puts one object per line and
/// escapes backslashes and control characters (`\\`, `\n`, `\t`…), which this undoes, so
/// the objects come out exactly as PostgreSQL made them.
struct JSONArrayAssembler {
    private var rows = 0
    private var atLineStart = true
    /// The piece before ended in the middle of an escape.
    private var pendingBackslash = false

    /// The array's bytes for `piece`.
    mutating func assemble(_ piece: [UInt8]) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(piece.count + 64)
        for byte in piece {
            if pendingBackslash {
                output.append(CopyText.unescaped(byte))
                pendingBackslash = false
            } else if byte == UInt8(ascii: "\n") {
                atLineStart = true
            } else {
                if atLineStart {
                    output.append(contentsOf: rows == 0 ? Self.opening : Self.separator)
                    rows += 1
                    atLineStart = false
                }
                if byte == UInt8(ascii: "\\") {
                    pendingBackslash = true
                } else {
                    output.append(byte)
                }
            }
        }
        return output
    }

    /// The array's last bytes.
    func finish() -> [UInt8] {
        rows == 0 ? Array("[]\n".utf8) : Array("\n]\n".utf8)
    }

    private static let opening = Array("[\n".utf8)
    private static let separator = Array(",\n".utf8)
}
