import ConveyorPostgres
import Testing

@Suite("Binary COPY format")
struct PostgresBinaryCopyTests {
    @Test("a row of text, integer and bytes is laid out as PostgreSQL's binary COPY documents it")
    func layout() {
        let stream = PostgresBinaryCopy.stream(of: [[.text("ab"), .int32(-2), .bytes([0, 0xFF][...])]])
        let expected: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
            + [0, 3]
            + [0, 0, 0, 2, 0x61, 0x62]
            + [0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFE]
            + [0, 0, 0, 2, 0x00, 0xFF]
            + [0xFF, 0xFF]
        #expect(stream == expected)
    }

    @Test("the only field of a one-column output comes back as it went in; no row is nil")
    func onlyField() throws {
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(try PostgresBinaryCopy.onlyField(of: PostgresBinaryCopy.stream(of: [[.bytes(bytes[...])]])) == bytes)
        #expect(try PostgresBinaryCopy.onlyField(of: PostgresBinaryCopy.stream(of: [[.bytes([][...])]])) == [])
        #expect(try PostgresBinaryCopy.onlyField(of: PostgresBinaryCopy.stream(of: [])) == nil)
    }

    @Test("an output that is not one row of one field is refused with the reason")
    func refusals() {
        let one = PostgresBinaryCopy.stream(of: [[.bytes([1, 2, 3][...])]])
        let cases: [(stream: [UInt8], reason: String)] = [
            (Array(one.dropFirst()), "binary COPY header"),
            (Array(one.dropLast(3)), "ends"),
            (PostgresBinaryCopy.stream(of: [[.bytes([1][...])], [.bytes([2][...])]]), "more than one row"),
            (PostgresBinaryCopy.stream(of: [[.bytes([1][...]), .int32(2)]]), "2 fields"),
            (Array(one.prefix(21)) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "NULL"),
        ]
        for (stream, reason) in cases {
            #expect {
                try PostgresBinaryCopy.onlyField(of: stream)
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
    }
}
