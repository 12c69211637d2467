@testable import ConveyorAPI
import Foundation
import Testing

@Suite("JSONScanner: request bodies read strictly, payloads kept compact")
struct JSONScannerTests {
    private func parse(_ text: String, openLevels: Int = 1) throws(JSONScanner.SyntaxError) -> JSONField {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONScanner.SyntaxError) in try JSONScanner.parse(buffer, openLevels: openLevels) }
        }
        return try result.get()
    }

    private func failure(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("an object's members are opened; deeper values are kept as compact text")
    func openAndKeep() throws {
        let value = try parse(#" { "kind" : "noop", "payload" : { "a" : [ 1 , 2.5e3, "x y" ], "b" : null } , "n": -0.5, "t": true } "#)
        let members = try #require(value.members)
        #expect(members.map(\.name) == ["kind", "payload", "n", "t"])
        #expect(members[0].value.string == "noop")
        #expect(members[1].value.kind == .object)
        #expect(members[1].value.jsonText == #"{"a":[1,2.5e3,"x y"],"b":null}"#)
        #expect(members[2].value.number == -0.5)
        #expect(members[3].value.kind == .bool && members[3].value.number == 1)
    }

    @Test("three levels: a list of objects, each opened")
    func levels() throws {
        let value = try parse(#"{"jobs": [{"kind": "a", "payload": {"x": 1}}, 7]}"#, openLevels: 3)
        let jobs = try #require(value.members?.first?.value.elements)
        #expect(jobs.count == 2)
        #expect(jobs[0].members?.first?.value.string == "a")
        #expect(jobs[0].members?.last?.value.jsonText == #"{"x":1}"#)
        #expect(jobs[1].kind == .number && jobs[1].members == nil)
    }

    @Test("escapes and surrogate pairs decode; the text of a string keeps them as sent")
    func strings() throws {
        let value = try parse(#"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "p": ["\u0041"]}"#)
        #expect(value.members?[0].value.string == "a\"b\\c/d\né😀")
        #expect(value.members?[1].value.jsonText == #"["\u0041"]"#)
        #expect(try parse(#""é""#).string == "é")
    }

    @Test(
        "malformed JSON is refused, saying what and where",
        arguments: [
            (#"{"a": 1,}"#, "expected a member name in double quotes, found '}' at line 1, column 9"),
            ("{\"a\":\n tru}", "expected a value, found 't' at line 2, column 2"),
            (#"{"a": 1} x"#, "unexpected 'x' after the value at line 1, column 10"),
            (#"{"a": "b"#, "a string is not closed at line 1, column 7"),
            (#"{"a": 01}"#, "expected ',' or '}' after a member's value, found '1'"),
            (#"{"a": 1.}"#, "a number needs digits after its '.'"),
            (#"{"a": "\x"}"#, "'\\x' is not an escape of JSON"),
            (#"{"a": "\ud800"}"#, "a \\u escape of a high surrogate must be followed by a low one"),
            ("{\"a\": \"tab\there\"}", "a control character must be escaped in a string"),
            (#"{"a": [1, 2}"#, "expected ',' or ']' in an array, found '}'"),
            ("", "the JSON ends where a value should be"),
        ]
    )
    func malformed(text: String, message: String) {
        let description = failure(text)
        #expect(description?.contains(message) == true, "\(description ?? "accepted")")
    }

    @Test("bytes that are not UTF-8 in a string are refused")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(JSONScanner.SyntaxError) in try JSONScanner.parse(buffer, openLevels: 1) } }
        guard case .failure(let error) = result else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(error.message == "a string is not valid UTF-8")
    }

    @Test("nesting deeper than 512 is refused rather than followed")
    func depth() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(failure(#"{"p": \#(deep)}"#)?.contains("nested more than 512 deep") == true)
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(failure(#"{"p": \#(fine)}"#) == nil)
    }
}
