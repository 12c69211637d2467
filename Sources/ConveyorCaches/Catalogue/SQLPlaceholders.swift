/// Named placeholders (`:tenant`) in SQL, replaced by the positional parameters (`$1`)
/// PostgreSQL takes. Text inside quotes and comments is left alone, and so are casts
/// (`::text`).
enum SQLPlaceholders {
    /// A placeholder that is not known, with the line it is on.
    struct Problem: Error {
        let line: Int
        let message: String
    }

    /// `sql` with each `:name` of `names` replaced by `$n`, and the names it used.
    ///
    /// - Parameter firstLine: the line of the file `sql` starts on, for errors.
    /// - Throws: ``Problem`` naming an unknown placeholder or a `$n` written by hand.
    static func substitute(in sql: String, firstLine: Int, names: [String: Int]) throws(Problem) -> (String, Set<String>) {
        let bytes = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var used: Set<String> = []
        var line = firstLine
        var index = 0
        func isIdentifier(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
                || byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
        /// Copies up to and including the first `terminator` from `index` on (or to the end).
        func copy(through terminator: [UInt8]) {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                if bytes[index...].starts(with: terminator) {
                    output.append(contentsOf: terminator)
                    index += terminator.count
                    return
                }
                output.append(bytes[index])
                index += 1
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            let rest = bytes[index...]
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                output.append(byte)
                index += 1
                copy(through: [byte])
            } else if rest.starts(with: Array("--".utf8)) {
                copy(through: [UInt8(ascii: "\n")])
            } else if rest.starts(with: Array("/*".utf8)) {
                copy(through: Array("*/".utf8))
            } else if rest.starts(with: Array("::".utf8)) {
                output.append(contentsOf: rest.prefix(2))
                index += 2
            } else if byte == UInt8(ascii: ":"), index + 1 < bytes.count, isIdentifier(bytes[index + 1]),
                !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1])
            {
                let nameEnd = bytes[(index + 1)...].firstIndex { !isIdentifier($0) } ?? bytes.count
                let name = String(decoding: bytes[(index + 1)..<nameEnd], as: UTF8.self)
                guard let position = names[name] else {
                    let known = names.keys.sorted().map { ":\($0)" }.joined(separator: ", ")
                    throw Problem(line: line, message: "unknown parameter ':\(name)'; a cache query takes \(known)")
                }
                output.append(contentsOf: Array("$\(position)".utf8))
                used.insert(name)
                index = nameEnd
            } else if byte == UInt8(ascii: "$"), index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
                throw Problem(line: line, message: "write parameters by name (:tenant), not by number ($\(Character(UnicodeScalar(bytes[index + 1]))))")
            } else {
                if byte == UInt8(ascii: "\n") { line += 1 }
                output.append(byte)
                index += 1
            }
        }
        return (String(decoding: output, as: UTF8.self), used)
    }
}
