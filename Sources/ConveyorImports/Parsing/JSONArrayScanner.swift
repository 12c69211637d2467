/// Rows of a JSON array body: `[{…}, {…}, …]`, whitespace anywhere. Broken JSON stops the
/// reading, since nothing after it can be trusted to be where a row starts.
struct JSONArrayScanner: RowScanner {
    private enum Place {
        /// Before the `[`.
        case start
        /// After the `[`: a row or `]`.
        case firstElement
        /// After a row: `,` or `]`.
        case afterElement
        /// After the `]`: only whitespace.
        case end
    }

    private let names: FieldNames
    private var place = Place.start
    private(set) var line = 1

    init(names: FieldNames) {
        self.names = names
    }

    mutating func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, isEnd: Bool, into row: inout ScannedRow
    ) throws(BodyRejected) -> ScanStep {
        // Everything is read into copies, kept only when the step completes.
        var reader = JSONReader(bytes, from: position, end: bytes.count, line: line)
        var place = self.place
        let step: ScanStep
        do {
            step = try read(&reader, &place, into: &row)
        } catch {
            switch error {
            case .truncated:
                guard isEnd else { return .needMore }
                switch self.place {
                case .start, .end: return .finished
                case .firstElement, .afterElement:
                    throw .malformed(line: reader.line, "the body ends before the JSON array is closed with ']'")
                }
            case .syntax(let message):
                throw .malformed(line: reader.line, "not valid JSON: \(message)")
            }
        }
        self.place = place
        self.line = reader.line
        return step
    }

    private func read(_ reader: inout JSONReader, _ place: inout Place, into row: inout ScannedRow) throws(JSONReader.Failure) -> ScanStep {
        switch place {
        case .start:
            guard reader.skipWhitespace() else { throw .truncated }
            guard reader.bytes[reader.index] == ASCII.openingBracket else {
                throw .syntax("a JSON body must be an array of row objects, starting with '[', but it starts with \(reader.found)")
            }
            reader.index += 1
            place = .firstElement
            return .skipped(end: reader.index)
        case .firstElement:
            guard reader.skipWhitespace() else { throw .truncated }
            if reader.bytes[reader.index] == ASCII.closingBracket {
                reader.index += 1
                place = .end
                return .skipped(end: reader.index)
            }
        case .afterElement:
            guard reader.skipWhitespace() else { throw .truncated }
            switch reader.bytes[reader.index] {
            case ASCII.comma:
                reader.index += 1
                guard reader.skipWhitespace() else { throw .truncated }
            case ASCII.closingBracket:
                reader.index += 1
                place = .end
                return .skipped(end: reader.index)
            default:
                throw .syntax("expected ',' or ']' after a row, found \(reader.found)")
            }
        case .end:
            let start = reader.index
            if reader.skipWhitespace() { throw .syntax("unexpected \(reader.found) after the array's closing ']'") }
            guard reader.index > start else { throw .truncated }
            return .skipped(end: reader.index)
        }
        row.reset(line: reader.line)
        if reader.bytes[reader.index] == ASCII.openingBrace {
            try reader.readObject(into: &row, names: names)
        } else {
            let value = try reader.readValue()
            row.markUnreadable("each element of the array must be a row object, not \(value.form.kindOfValue)")
        }
        place = .afterElement
        return .row(end: reader.index)
    }
}
