/// A query of the catalogue (an export, a cached value), split into SQL text and `:name`
/// placeholders. The scan knows PostgreSQL's quoting, so a `:` inside a string, a quoted
/// name, a comment or a dollar-quoted body is text, and `::` is a cast. A placeholder is `:`
/// followed by a lower-case letter or `_` and then letters, digits and `_`. Numbered
/// parameters written by hand (`$1`) are noted, for catalogues that want names only.
public struct SQLTemplate: Sendable, Equatable {
    /// A run of SQL text, or a placeholder.
    public enum Piece: Sendable, Equatable {
        case sql(String)
        case placeholder(name: String, line: Int)
    }

    /// A query that does not scan: an unterminated string, quoted name or comment.
    public struct SyntaxError: Error, Sendable, Equatable {
        /// The line (1-based, within the query) where the unterminated part starts.
        public let line: Int
        public let message: String
    }

    /// A `$n` parameter outside quotes and comments.
    public struct NumberedParameter: Sendable, Equatable {
        public let text: String
        /// The line (1-based, within the query) it is on.
        public let line: Int
    }

    public let pieces: [Piece]
    public let numberedParameters: [NumberedParameter]

    /// The names of the placeholders, each once, in order of first use.
    public var placeholderNames: [String] {
        var seen: Set<String> = []
        return pieces.compactMap { piece in
            guard case .placeholder(let name, _) = piece, seen.insert(name).inserted else { return nil }
            return name
        }
    }

    /// Scans `query`.
    public init(_ query: String) throws(SyntaxError) {
        var scanner = Scanner(Array(query.utf8))
        pieces = try scanner.scan()
        numberedParameters = scanner.numberedParameters
    }

    /// The query with each placeholder replaced by `literal(name)`.
    public func render(_ literal: (String) -> String) -> String {
        var text = ""
        for piece in pieces {
            switch piece {
            case .sql(let sql): text += sql
            case .placeholder(let name, _): text += literal(name)
            }
        }
        return text
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var pieces: [Piece] = []
        var numberedParameters: [NumberedParameter] = []
        var textStart = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func scan() throws(SyntaxError) -> [Piece] {
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "'"):
                    try skipQuoted(UInt8(ascii: "'"), backslashEscapes: startsEscapeString(), what: "string")
                case UInt8(ascii: "\""):
                    try skipQuoted(UInt8(ascii: "\""), backslashEscapes: false, what: "quoted name")
                case UInt8(ascii: "-") where next(1) == UInt8(ascii: "-"):
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                case UInt8(ascii: "/") where next(1) == UInt8(ascii: "*"):
                    try skipBlockComment()
                case UInt8(ascii: "$"):
                    try skipDollarQuoted()
                case UInt8(ascii: ":") where next(1) == UInt8(ascii: ":"):
                    index += 2
                case UInt8(ascii: ":") where next(1).map(Self.startsName) == true:
                    placeholder()
                default:
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
            }
            flushText(upTo: bytes.count)
            return pieces
        }

        private func next(_ offset: Int) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        /// Whether the quote at `index` opens an `E'…'` string, where a backslash escapes.
        private func startsEscapeString() -> Bool {
            guard index >= 1, bytes[index - 1] == UInt8(ascii: "E") || bytes[index - 1] == UInt8(ascii: "e") else { return false }
            return index < 2 || !Self.continuesName(bytes[index - 2])
        }

        private mutating func skipQuoted(_ quote: UInt8, backslashEscapes: Bool, what: String) throws(SyntaxError) {
            let startLine = line
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n") { line += 1 }
                if backslashEscapes, byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                index += 1
                if byte == quote {
                    guard index < bytes.count, bytes[index] == quote else { return }
                    index += 1
                }
            }
            throw SyntaxError(line: startLine, message: "a \(what) opened here is never closed")
        }

        private mutating func skipBlockComment() throws(SyntaxError) {
            let startLine = line
            var depth = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "/"), next(1) == UInt8(ascii: "*") {
                    depth += 1
                    index += 2
                } else if bytes[index] == UInt8(ascii: "*"), next(1) == UInt8(ascii: "/") {
                    depth -= 1
                    index += 2
                    if depth == 0 { return }
                } else {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
            }
            throw SyntaxError(line: startLine, message: "a /* comment opened here is never closed")
        }

        /// `$tag$…$tag$` or `$$…$$`; a `$` that opens neither (as in `$1`) is text.
        private mutating func skipDollarQuoted() throws(SyntaxError) {
            var end = index + 1
            while end < bytes.count, Self.continuesName(bytes[end]), !(end == index + 1 && Self.isDigit(bytes[end])) { end += 1 }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "$") else {
                if let digit = next(1), Self.isDigit(digit) { noteNumberedParameter() }
                index += 1
                return
            }
            let delimiter = bytes[index...end]
            let startLine = line
            index = end + 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "$"), bytes[index...].starts(with: delimiter) {
                    index += delimiter.count
                    return
                }
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
            }
            throw SyntaxError(line: startLine, message: "a dollar-quoted string opened here is never closed")
        }

        private mutating func noteNumberedParameter() {
            var end = index + 1
            while end < bytes.count, Self.isDigit(bytes[end]) { end += 1 }
            numberedParameters.append(NumberedParameter(text: String(decoding: bytes[index..<end], as: UTF8.self), line: line))
        }

        private mutating func placeholder() {
            flushText(upTo: index)
            var end = index + 1
            while end < bytes.count, Self.continuesName(bytes[end]) { end += 1 }
            pieces.append(.placeholder(name: String(decoding: bytes[(index + 1)..<end], as: UTF8.self), line: line))
            index = end
            textStart = end
        }

        private mutating func flushText(upTo end: Int) {
            if end > textStart { pieces.append(.sql(String(decoding: bytes[textStart..<end], as: UTF8.self))) }
            textStart = end
        }

        private static func startsName(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
        }

        private static func continuesName(_ byte: UInt8) -> Bool {
            startsName(byte) || isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
