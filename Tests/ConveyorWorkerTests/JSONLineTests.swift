import Logging
import Testing

@testable import ConveyorWorker

/// The bytes of the JSON log lines: escapes, numbers, milliseconds and timestamps.
@Suite struct JSONLineTests {
    private func rendered(_ value: Logger.Metadata.Value) -> String {
        var line = JSONLine()
        line.appendValue(value)
        return String(decoding: line.bytes, as: UTF8.self)
    }

    @Test func stringsAreEscaped() {
        #expect(rendered(.string("plain")) == #""plain""#)
        #expect(rendered(.string("a\"b\\c\nd\te\u{1}")) == #""a\"b\\c\nd\te\u0001""#)
        #expect(rendered(.string("ünïcode ✓")) == "\"ünïcode ✓\"")
    }

    @Test func numbersAndFlagsAreJSONNumbersAndLiterals() {
        #expect(rendered(.stringConvertible(0)) == "0")
        #expect(rendered(.stringConvertible(-42)) == "-42")
        #expect(rendered(.stringConvertible(Int64.max)) == "9223372036854775807")
        #expect(rendered(.stringConvertible(UInt8(7))) == "7")
        #expect(rendered(.stringConvertible(2.5)) == "2.5")
        #expect(rendered(.stringConvertible(Double.infinity)) == #""inf""#)
        #expect(rendered(.stringConvertible(true)) == "true")
        #expect(rendered(.array([.string("x"), .stringConvertible(1)])) == #"["x",1]"#)
        #expect(rendered(.dictionary(["b": .stringConvertible(2), "a": .string("1")])) == #"{"a":"1","b":2}"#)
    }

    @Test func millisecondsHaveThreeDecimalsRoundedToTheMicrosecond() {
        #expect(rendered(.stringConvertible(LogMilliseconds(.microseconds(1234)))) == "1.234")
        #expect(rendered(.stringConvertible(LogMilliseconds(.microseconds(5)))) == "0.005")
        #expect(rendered(.stringConvertible(LogMilliseconds(.nanoseconds(1500)))) == "0.002")
        #expect(rendered(.stringConvertible(LogMilliseconds(.seconds(90)))) == "90000.000")
        #expect(rendered(.stringConvertible(LogMilliseconds(.zero))) == "0.000")
        #expect(LogMilliseconds(.milliseconds(12)).description == "12.000")
    }

    @Test func timestampsAreRFC3339WithMilliseconds() {
        var line = JSONLine()
        line.appendTimestamp()
        let text = String(decoding: line.bytes, as: UTF8.self)
        let shape = text.map { $0.isNumber ? "9" : String($0) }.joined()
        #expect(shape == "9999-99-99T99:99:99.999Z")
    }

    private struct Pair: JSONLogMembers {
        func appendMembers(to line: inout JSONLine) {
            line.appendMember("a", integer: 1)
            line.appendMember("b", milliseconds: .microseconds(2500))
            line.appendMember("c", string: "x\"y")
        }
    }

    @Test func membersValuesAreWrittenInPlaceOfTheirKey() {
        var line = JSONLine()
        line.append("{\"msg\":\"m\"")
        line.appendEntry("ignored", .stringConvertible(Pair()))
        line.appendEntry("d", .string("e"))
        line.append("}")
        #expect(String(decoding: line.bytes, as: UTF8.self) == #"{"msg":"m","a":1,"b":2.500,"c":"x\"y","d":"e"}"#)
        #expect(Pair().description == #""a":1,"b":2.500,"c":"x\"y""#)
    }
}
