/// PostgreSQL's binary COPY format (`COPY … WITH (FORMAT binary)`), for moving bytes in and out
/// of `bytea` columns as they are: the text format would send every byte as two hex digits.
///
/// The stream is a header, then each row as its field count and each field as a 32-bit length
/// and its bytes in the column type's binary form, then a trailer; every integer big-endian.
public enum PostgresBinaryCopy {
    /// A field of a row: the binary form of its column's type.
    public enum Field {
        case text(String)
        case int32(Int32)
        case bytes(ArraySlice<UInt8>)
    }

    /// `PGCOPY\n\377\r\n\0`, then no flags and no header extension.
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// A field count of -1.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// A whole COPY stream of `rows`, ready for ``PostgresConnection/copyIn(_:bytes:)``.
    public static func stream(of rows: [[Field]]) -> [UInt8] {
        var stream = header
        stream.reserveCapacity(header.count + rows.reduce(0) { $0 + encodedSize(of: $1) } + trailer.count)
        for row in rows {
            append(UInt16(row.count), to: &stream)
            for field in row {
                switch field {
                case .text(let text):
                    append(UInt32(text.utf8.count), to: &stream)
                    stream.append(contentsOf: text.utf8)
                case .int32(let value):
                    append(UInt32(4), to: &stream)
                    append(UInt32(bitPattern: value), to: &stream)
                case .bytes(let bytes):
                    append(UInt32(bytes.count), to: &stream)
                    stream.append(contentsOf: bytes)
                }
            }
        }
        stream.append(contentsOf: trailer)
        return stream
    }

    /// The single field of the single row in `stream`, the whole output of a `COPY (SELECT
    /// one_column …) TO STDOUT WITH (FORMAT binary)` that found one row; nil when it found none.
    ///
    /// - Throws: ``PostgresDecodingError`` when `stream` is not such an output (more rows or
    ///   fields, a NULL, or a cut-off stream).
    public static func onlyField(of stream: [UInt8]) throws(PostgresDecodingError) -> [UInt8]? {
        var reader = Reader(stream)
        guard reader.take(header.count) == header[...] else { throw reader.failure("it does not start with the binary COPY header") }
        switch try reader.int16() {
        case -1:
            return nil
        case 1:
            let length = try reader.int32()
            guard length >= 0 else { throw reader.failure("its field is NULL") }
            guard let field = reader.take(Int(length)) else { throw reader.failure("it ends inside its field") }
            guard try reader.int16() == -1, reader.isAtEnd else { throw reader.failure("it holds more than one row") }
            return Array(field)
        case let count:
            throw reader.failure("its row has \(count) fields, not 1")
        }
    }

    private static func encodedSize(of row: [Field]) -> Int {
        row.reduce(2) { size, field in
            switch field {
            case .text(let text): size + 4 + text.utf8.count
            case .int32: size + 8
            case .bytes(let bytes): size + 4 + bytes.count
            }
        }
    }

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to stream: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { stream.append(contentsOf: $0) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { offset == bytes.count }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count <= bytes.count - offset else { return nil }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        mutating func int16() throws(PostgresDecodingError) -> Int16 {
            guard let field = take(2) else { throw failure("it ends early") }
            return Int16(bitPattern: field.reduce(0) { $0 << 8 | UInt16($1) })
        }

        mutating func int32() throws(PostgresDecodingError) -> Int32 {
            guard let field = take(4) else { throw failure("it ends early") }
            return Int32(bitPattern: field.reduce(0) { $0 << 8 | UInt32($1) })
        }

        func failure(_ reason: String) -> PostgresDecodingError {
            PostgresDecodingError(decoding: "a binary COPY stream of \(bytes.count) bytes", as: [UInt8].self, reason: reason)
        }
    }
}
