/// Rows of a CSV body (RFC 4180): a header row naming the fields, then one record per row;
/// fields separated by commas, records by LF or CRLF; a field in double quotes may hold
/// commas, line breaks and doubled quotes. An unquoted empty field is NULL, a quoted one
/// (`""`) the empty string. Blank lines are skipped.
struct CSVScanner: RowScanner {
    private let names: FieldNames
    private(set) var line = 1
    /// For each header position, the dataset column it fills; nil until the header is read.
    private var header: [Int]?
    /// The current record's fields, by position.
    private var record: [FieldSlot] = []

    init(names: FieldNames) {
        self.names = names
    }

    mutating func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, isEnd: Bool, into row: inout ScannedRow
    ) throws(BodyRejected) -> ScanStep {
        guard position < bytes.count else { return isEnd ? .finished : .needMore }
        var recordLine = line
        guard let end = try readRecord(bytes, from: position, isEnd: isEnd, line: &recordLine) else { return .needMore }
        defer { line = recordLine }
        if record.count == 1, record[0].form == .null { return .skipped(end: end) }
        guard let header else {
            self.header = try readHeader(bytes)
            return .skipped(end: end)
        }
        row.reset(line: line)
        guard record.count == header.count else {
            row.markUnreadable("has \(record.count) fields, but the header has \(header.count)")
            return .row(end: end)
        }
        for (position, column) in header.enumerated() {
            row.fields[column] = record[position]
        }
        return .row(end: end)
    }

    /// Reads the record at `position` into `record`; returns where it ends (past its line
    /// break), or nil when the bytes end inside it.
    private mutating func readRecord(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, isEnd: Bool, line: inout Int
    ) throws(BodyRejected) -> Int? {
        record.removeAll(keepingCapacity: true)
        let count = bytes.count
        let recordLine = line
        var index = position
        while true {
            if index < count, bytes[index] == ASCII.quote {
                let start = index + 1
                var hasDoubledQuotes = false
                index = start
                while true {
                    guard index < count else {
                        guard isEnd else { return nil }
                        throw .malformed(line: recordLine, "a quoted field starting on this line is never closed")
                    }
                    let byte = bytes[index]
                    if byte == ASCII.quote {
                        guard index + 1 < count else {
                            if isEnd { break } else { return nil }
                        }
                        guard bytes[index + 1] == ASCII.quote else { break }
                        hasDoubledQuotes = true
                        index += 2
                        continue
                    }
                    if byte == ASCII.newline { line += 1 }
                    index += 1
                }
                record.append(FieldSlot(form: hasDoubledQuotes ? .quotedText : .text, start: start, end: index))
                index += 1
            } else {
                let start = index
                while index < count {
                    let byte = bytes[index]
                    // Every delimiter is at most ',' (0x2C): letters and digits take one comparison.
                    if byte > ASCII.comma {
                        index += 1
                        continue
                    }
                    if byte == ASCII.comma || byte == ASCII.newline { break }
                    if byte == ASCII.carriageReturn {
                        guard index + 1 < count else {
                            if isEnd { break } else { return nil }
                        }
                        if bytes[index + 1] == ASCII.newline { break }
                    }
                    if byte == ASCII.quote {
                        throw .malformed(
                            line: line,
                            "a quote inside a field that does not start with one: put the whole field in quotes and double the quotes inside"
                        )
                    }
                    index += 1
                }
                if index == count, !isEnd { return nil }
                record.append(FieldSlot(form: index == start ? .null : .text, start: start, end: index))
            }
            guard index < count else {
                // The last record of the body, without a line break.
                return isEnd ? index : nil
            }
            switch bytes[index] {
            case ASCII.comma:
                index += 1
            case ASCII.newline:
                line += 1
                return index + 1
            case ASCII.carriageReturn where index + 1 < count && bytes[index + 1] == ASCII.newline:
                line += 1
                return index + 2
            case ASCII.carriageReturn where index + 1 == count:
                if isEnd { return count } else { return nil }
            default:
                throw .malformed(
                    line: line, "after a field's closing quote, expected ',' or the end of the line, found \(ASCII.describe(bytes, at: index, end: count))"
                )
            }
        }
    }

    /// Maps the header's names to the dataset's columns; every required column must be there
    /// and every name must be a column.
    private func readHeader(_ bytes: UnsafeBufferPointer<UInt8>) throws(BodyRejected) -> [Int] {
        var columns: [Int] = []
        var problems: [RowProblem] = []
        var name: [UInt8] = []
        for field in record {
            name.removeAll(keepingCapacity: true)
            guard case .characters = TextEncoding.appendCopyText(bytes, field.start, field.end, undoubleQuotes: field.form == .quotedText, into: &name),
                let column = name.withUnsafeBufferPointer({ names.column(of: $0, 0, $0.count) })
            else {
                let text = String(decoding: name, as: UTF8.self)
                let isTenant = name.withUnsafeBufferPointer { names.isTenant($0, 0, $0.count) }
                problems.append(RowProblem(line: line, field: text, message: "in the header: " + names.unknownFieldMessage(isTenant: isTenant)))
                continue
            }
            if columns.contains(column) {
                problems.append(RowProblem(line: line, field: names.name(column), message: "in the header twice"))
            }
            columns.append(column)
        }
        for (column, definition) in names.dataset.columns.enumerated() where definition.isRequired && !columns.contains(column) {
            problems.append(RowProblem(line: line, field: definition.name, message: "a required column, missing from the header"))
        }
        guard problems.isEmpty else { throw BodyRejected(kind: .invalidRows, problems: problems) }
        return columns
    }
}
