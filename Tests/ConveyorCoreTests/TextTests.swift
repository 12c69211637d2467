import ConveyorCore
import Testing

@Suite struct JSONStringTests {
    @Test func escapesWhatAStringMust() {
        var bytes: [UInt8] = []
        JSONString.append("a\"b\\c\n\r\t\u{01}\u{1F}é", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\n\r\t\u0001\u001fé""#)
    }

    private func decode(_ text: String) -> JSONString.UnicodeEscape {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { JSONString.unicodeEscape(in: $0, at: 0, end: bytes.count) }
    }

    @Test func readsUnicodeEscapesAndSurrogatePairs() {
        #expect(decode(#"\u00e9"#) == .scalar(0xE9, length: 6))
        #expect(decode(#"\u00E9 and more"#) == .scalar(0xE9, length: 6))
        #expect(decode(#"\ud83d\ude00"#) == .scalar(0x1F600, length: 12))
    }

    @Test func saysWhereAnEscapeStopsBeingOne() {
        #expect(decode(#"\u12"#) == .invalid(.missingDigits, position: 4))
        #expect(decode(#"\u12g4"#) == .invalid(.missingDigits, position: 4))
        #expect(decode(#"\ud83d"#) == .invalid(.unpairedHighSurrogate, position: 6))
        #expect(decode(#"\ud83d\u0041"#) == .invalid(.unpairedHighSurrogate, position: 12))
        #expect(decode(#"\ud83d\u00x1"#) == .invalid(.missingDigits, position: 10))
        #expect(decode(#"\ude00"#) == .invalid(.unpairedLowSurrogate, position: 6))
    }

    @Test func writesScalarsAsUTF8() {
        for scalar: Unicode.Scalar in ["A", "é", "€", "😀"] {
            var bytes: [UInt8] = []
            JSONString.appendUTF8(scalar.value, to: &bytes)
            #expect(bytes == Array(String(scalar).utf8))
        }
    }
}

@Suite struct CopyTextTests {
    @Test func escapesTheFourBytesAFieldCannotHold() {
        var bytes: [UInt8] = []
        for byte in "a\\b\tc\nd\re\u{01}".utf8 { CopyText.append(byte, to: &bytes) }
        #expect(String(decoding: bytes, as: UTF8.self) == "a\\\\b\\tc\\nd\\re\u{01}")
    }

    @Test func aWholeFieldIsEscapedAsItsBytesAre() {
        for field in ["a\\b\tc\nd\re\u{01}", "", "plain é", "\n", "ends with\\"] {
            var whole: [UInt8] = [1]
            var byByte: [UInt8] = [1]
            CopyText.append(field, to: &whole)
            for byte in field.utf8 { CopyText.append(byte, to: &byByte) }
            #expect(whole == byByte, "\(field.debugDescription)")
        }
    }

    @Test func unescapesWhatCOPYWrites() {
        let pairs: [(Character, UInt8)] = [("n", 0x0A), ("r", 0x0D), ("t", 0x09), ("b", 0x08), ("f", 0x0C), ("v", 0x0B), ("\\", 0x5C), ("x", 0x78)]
        for (letter, byte) in pairs {
            #expect(CopyText.unescaped(letter.asciiValue!) == byte)
        }
    }
}

@Suite struct HexadecimalTests {
    @Test func twoLowercaseDigitsPerByte() {
        #expect(Hexadecimal.string([0x00, 0x0A, 0xFF, 0x10]) == "000aff10")
        #expect(Hexadecimal.string([UInt8]()) == "")
    }
}
