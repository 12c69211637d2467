import NIOCore

/// An import's chunks as rows of `conveyor_import_chunks` in COPY's binary format
/// (``SpooledChunk/copyStatement`` takes them), read from the body one chunk at a time: the
/// rows go in as they are, unescaped. The last element is the format's trailer.
struct ChunkRows<Body: AsyncSequence>: AsyncSequence where Body.Element == ByteBuffer {
    typealias Element = [UInt8]

    let importID: String
    let first: SpooledChunk
    let reader: SharedBodyReader<Body>
    /// Thrown when the body makes more chunks than ``ImportIntake/maxChunks``.
    let tooManyChunks: ImportError

    struct AsyncIterator: AsyncIteratorProtocol {
        let rows: ChunkRows
        private var pending: SpooledChunk?
        private var isFinished = false

        init(_ rows: ChunkRows) {
            self.rows = rows
            self.pending = rows.first
        }

        mutating func next() async throws -> [UInt8]? {
            guard !isFinished else { return nil }
            let chunk: SpooledChunk
            if let pending {
                chunk = pending
                self.pending = nil
            } else if let next = try await rows.reader.value.nextChunk() {
                chunk = next
            } else {
                isFinished = true
                return BinaryCopy.trailer
            }
            guard chunk.number <= ImportIntake.maxChunks else { throw rows.tooManyChunks }
            return Self.encode(chunk, of: rows.importID)
        }

        /// One row: its field count, then each field's length and bytes.
        private static func encode(_ chunk: SpooledChunk, of importID: String) -> [UInt8] {
            var row: [UInt8] = []
            row.reserveCapacity(64 + importID.utf8.count + chunk.data.count)
            if chunk.number == 1 { row += BinaryCopy.header }
            BinaryCopy.append(Int16(5), to: &row)
            BinaryCopy.append(Int32(importID.utf8.count), to: &row)
            row += importID.utf8
            BinaryCopy.append(Int32(4), to: &row)
            BinaryCopy.append(Int32(chunk.number), to: &row)
            BinaryCopy.append(Int32(4), to: &row)
            BinaryCopy.append(Int32(chunk.rowCount), to: &row)
            BinaryCopy.append(Int32(8), to: &row)
            BinaryCopy.append(Int64(chunk.firstLine), to: &row)
            BinaryCopy.append(Int32(chunk.data.count), to: &row)
            row += chunk.data
            return row
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(self)
    }
}

/// The body reader, where both the intake and the COPY that reads the chunks reach it.
final class SharedBodyReader<Body: AsyncSequence> where Body.Element == ByteBuffer {
    var value: ImportBodyReader<Body>

    init(_ value: ImportBodyReader<Body>) {
        self.value = value
    }
}

/// The framing of PostgreSQL's binary COPY format.
enum BinaryCopy {
    /// `PGCOPY\n\377\r\n\0`, no flags, no header extension.
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// A field count of -1 ends the data.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Appends an integer big-endian, as the format has every number.
    static func append(_ value: some FixedWidthInteger, to row: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { row += $0 }
    }
}
