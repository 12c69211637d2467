import NIOCore

/// Reads an import body as it arrives and turns it into chunks of checked rows in COPY text
/// format, never holding more than one piece of the body, the row that piece ends inside,
/// and the chunk being filled.
///
/// At the first problem, ``nextChunk()`` throws ``BodyRefused``; ``refusal()`` then reads the
/// rest of the body, still checking rows until it has ``problemLimit`` problems and only
/// counting bytes after that, and returns the error to answer with.
struct ImportBodyReader<Body: AsyncSequence> where Body.Element == ByteBuffer {
    /// Problems listed in a refusal; rows after the last of them are no longer checked.
    static var problemLimit: Int { 20 }
    /// A chunk closes at this many bytes even before `chunkSize` rows, to bound memory.
    static var maxChunkBytes: Int { 16 << 20 }
    /// A row may not be longer, to bound memory.
    static var maxRowBytes: Int { 8 << 20 }

    /// Thrown by ``nextChunk()`` at the first problem in the body.
    struct BodyRefused: Error {}

    private enum Mode {
        /// Rows go into chunks.
        case spooling
        /// Some row had a problem: rows are only checked, for more problems.
        case checking
        /// Enough problems, or the body cannot be read further: bytes are only counted.
        case draining
    }

    private enum WindowOutcome {
        case chunkFull
        case refused
        case needMore
        case finished
    }

    private var body: Body.AsyncIterator
    private var scanner: any RowScanner
    private let encoder: RowEncoder
    private let format: ImportFormat
    private let chunkSize: Int
    private let maxBodyBytes: Int

    /// Body bytes not yet scanned start at `position`.
    private var window: [UInt8] = []
    private var position = 0
    /// After `needMore`, scanning waits until this many unscanned bytes are there, so that a
    /// long row is rescanned a few times at most.
    private var bytesWanted = 0
    private var isByteOrderMarkChecked = false
    private var isBodyEnded = false
    private var isScanned = false

    private var mode = Mode.spooling
    private var row: ScannedRow
    private var chunk: SpooledChunk
    private var checkedRow: [UInt8] = []
    private var problems: [RowProblem] = []
    private var bodyRejection: BodyRejected?

    /// Bytes of the body read so far.
    private(set) var bytesRead = 0
    /// Rows put into chunks so far.
    private(set) var rowCount = 0

    init(body: Body, format: ImportFormat, dataset: Dataset, chunkSize: Int, maxBodyBytes: Int) {
        self.body = body.makeAsyncIterator()
        self.scanner = format.scanner(for: FieldNames(dataset))
        self.encoder = RowEncoder(dataset)
        self.format = format
        self.chunkSize = chunkSize
        self.maxBodyBytes = maxBodyBytes
        self.row = ScannedRow(columnCount: dataset.columns.count)
        self.chunk = SpooledChunk(number: 1, capacity: 0)
    }

    /// The next full chunk, or the last partial one; nil once all are taken.
    ///
    /// - Throws: ``BodyRefused`` at the first problem in the body; ``ImportError`` of kind
    ///   `bodyTooLarge` past `maxBodyBytes`; whatever the body throws.
    mutating func nextChunk() async throws -> SpooledChunk? {
        while true {
            if !isScanned, bytesPending >= bytesWanted || isBodyEnded {
                switch scanWindow() {
                case .chunkFull: return takeChunk()
                case .refused: throw BodyRefused()
                case .finished: isScanned = true
                case .needMore: break
                }
            }
            if isScanned {
                return chunk.rowCount > 0 ? takeChunk() : nil
            }
            try await readMore()
        }
    }

    /// After ``BodyRefused``: reads the rest of the body and returns why it is refused.
    ///
    /// - Throws: whatever the body throws.
    mutating func refusal() async throws -> ImportError {
        while !isBodyEnded {
            if mode == .checking, !isScanned, bytesPending >= bytesWanted {
                if scanWindow() == .finished { isScanned = true }
            }
            if bytesRead > maxBodyBytes { break }
            try await readMore()
        }
        if mode == .checking, !isScanned { _ = scanWindow() }
        return makeRefusal()
    }

    private var bytesPending: Int { window.count - position }

    private mutating func takeChunk() -> SpooledChunk {
        let full = chunk
        chunk = SpooledChunk(number: full.number + 1, capacity: full.data.count)
        return full
    }

    /// Reads the next piece of the body into the window (or only counts it, when draining).
    private mutating func readMore() async throws {
        guard let piece = try await body.next() else {
            isBodyEnded = true
            return
        }
        bytesRead += piece.readableBytes
        if bytesRead > maxBodyBytes, mode == .spooling {
            throw ImportError(
                .bodyTooLarge,
                "the body is larger than the limit of \(maxBodyBytes) bytes: split the rows into several imports"
            )
        }
        guard mode != .draining else { return }
        if position > 0 {
            window.removeSubrange(..<position)
            position = 0
        }
        window.append(contentsOf: piece.readableBytesView)
    }

    /// Scans rows from the window until a chunk is full, a problem is found, more bytes are
    /// needed, or the body is done.
    private mutating func scanWindow() -> WindowOutcome {
        if !isByteOrderMarkChecked {
            // A byte order mark, as spreadsheets write, is not part of the first row.
            guard bytesPending >= 3 || isBodyEnded else { return .needMore }
            isByteOrderMarkChecked = true
            if window.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }
        // A second reference to the window's storage, released before the window changes again.
        let window = self.window
        return window.withUnsafeBufferPointer { bytes in scanRows(bytes) }
    }

    private mutating func scanRows(_ bytes: UnsafeBufferPointer<UInt8>) -> WindowOutcome {
        while true {
            let step: ScanStep
            do {
                step = try scanner.scan(bytes, from: position, isEnd: isBodyEnded, into: &row)
            } catch {
                return stopReading(error)
            }
            switch step {
            case .needMore:
                if bytesPending > Self.maxRowBytes {
                    let message = "a row longer than \(Self.maxRowBytes >> 20) MiB starts on this line; rows must be shorter"
                    return stopReading(.malformed(line: scanner.line, message))
                }
                bytesWanted = min(bytesPending * 2, Self.maxRowBytes + 1)
                return .needMore
            case .finished:
                return .finished
            case .skipped(let end):
                position = end
            case .row(let end):
                position = end
                if mode == .spooling {
                    if chunk.rowCount == 0 { chunk.firstLine = row.line }
                    guard encoder.encode(row, in: bytes, into: &chunk.data, problems: &problems) else {
                        mode = .checking
                        return .refused
                    }
                    chunk.rowCount += 1
                    rowCount += 1
                    if chunk.rowCount == chunkSize || chunk.data.count >= Self.maxChunkBytes { return .chunkFull }
                } else {
                    checkedRow.removeAll(keepingCapacity: true)
                    _ = encoder.encode(row, in: bytes, into: &checkedRow, problems: &problems)
                    if problems.count >= Self.problemLimit {
                        mode = .draining
                        return .finished
                    }
                }
            }
        }
    }

    /// The body cannot be read any further: keeps why, and only counts what is left of it.
    private mutating func stopReading(_ rejection: BodyRejected) -> WindowOutcome {
        let wasSpooling = mode == .spooling
        bodyRejection = rejection
        mode = .draining
        window = []
        position = 0
        return wasSpooling ? .refused : .finished
    }

    private func makeRefusal() -> ImportError {
        let advice = "nothing was imported: fix the body and send all of it again"
        let listed = Array((problems + (bodyRejection?.problems ?? [])).prefix(Self.problemLimit))
        if let bodyRejection, bodyRejection.kind == .malformedBody, let syntax = bodyRejection.problems.first {
            return ImportError(.malformedBody, "the body is not valid \(format.name) (\(syntax)); \(advice)", problems: listed)
        }
        let count =
            listed.count >= Self.problemLimit
            ? "at least \(Self.problemLimit) problems (the first \(Self.problemLimit) are listed)"
            : listed.count == 1 ? "a problem" : "\(listed.count) problems"
        let first = listed.first.map { ", the first on line \($0.line)" } ?? ""
        return ImportError(.invalidRows, "the rows have \(count)\(first); \(advice)", problems: listed)
    }
}
