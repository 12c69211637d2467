import Foundation

/// Rows of an NDJSON body: one JSON object per line; blank lines are skipped. Lines are
/// independent, so a line that is not a JSON object is a problem of that row and the lines
/// after it are still read.
struct NDJSONScanner: RowScanner {
    private let names: FieldNames
    private(set) var line = 1

    init(names: FieldNames) {
        self.names = names
    }

    mutating func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, isEnd: Bool, into row: inout ScannedRow
    ) throws(BodyRejected) -> ScanStep {
        guard position < bytes.count else { return isEnd ? .finished : .needMore }
        let lineEnd: Int
        if let newline = memchr(bytes.baseAddress! + position, Int32(ASCII.newline), bytes.count - position) {
            lineEnd = bytes.baseAddress!.distance(to: newline.assumingMemoryBound(to: UInt8.self))
        } else if isEnd {
            lineEnd = bytes.count
        } else {
            return .needMore
        }
        let next = min(lineEnd + 1, bytes.count)
        defer { line += 1 }
        var reader = JSONReader(bytes, from: position, end: lineEnd, line: line)
        guard reader.skipWhitespace() else { return .skipped(end: next) }
        row.reset(line: line)
        guard bytes[reader.index] == ASCII.openingBrace else {
            row.markUnreadable("each line must be a JSON object, but this one starts with \(reader.found)")
            return .row(end: next)
        }
        do {
            try reader.readObject(into: &row, names: names)
            if reader.skipWhitespace() {
                row.markUnreadable("not valid JSON: unexpected \(reader.found) after the object")
            }
        } catch {
            switch error {
            case .truncated: row.markUnreadable("not valid JSON: the line ends before the object is closed")
            case .syntax(let message): row.markUnreadable("not valid JSON: \(message)")
            }
        }
        return .row(end: next)
    }
}
