@testable import ConveyorImports
import Foundation
import Testing

/// The three body formats, read as the intake reads them, into COPY text rows that start
/// with their body line.
@Suite struct ParserTests {
    static let ndjson = """
        {"sku":"A-1","name":"Apple","price_cents":120,"quantity":3}

        {"quantity":0, "price_cents": 5, "name": "Tab\\there \\"quoted\\" back\\\\slash é 😀 \\u00e9 \\ud83d\\ude00", "sku": "B-2", "category": null, "updated_at": "2024-05-06T07:08:09.5+02:00"}\r
        """

    static let csv =
        "sku,name,category,price_cents,quantity,updated_at\r\n"
        + "A-1,Apple,,120,3,\r\n"
        + "\"B,2\",\"Line one\nline two\",\"say \"\"hi\"\"\",5,0,2024-05-06T07:08:09Z\r\n"
        + "C-3,\"\",fruit,7,1,\n"
        + "\n"
        + "D-4,Tab\there,x,1,1,2024-01-01 00:00:00z"

    static let jsonArray = """
        [
          {"sku": "A-1", "name": "Apple",
           "price_cents": 120, "quantity": 3},
          {
            "sku": "B-2", "name": "Banana", "price_cents": 5, "quantity": 0
          }
        ]

        """

    static func read(_ body: String, _ format: ImportFormat, dataset: Dataset = TestDatasets.products, pieceSize: Int = 1 << 16, chunkSize: Int = 5000) async throws -> BodyReading {
        try await BodyReading.read(Array(body.utf8), format, dataset: dataset, pieceSize: pieceSize, chunkSize: chunkSize)
    }

    @Test func ndjsonRowsInAnyFieldOrderWithEscapesDecoded() async throws {
        let reading = try await Self.read(Self.ndjson, .ndjson)
        #expect(reading.refusal == nil)
        #expect(
            reading.rows == [
                "1\tA-1\tApple\t\\N\t120\t3\t\\N",
                "3\tB-2\tTab\\there \"quoted\" back\\\\slash é 😀 é 😀\t\\N\t5\t0\t2024-05-06T07:08:09.5+02:00",
            ]
        )
    }

    @Test func csvQuotedFieldsEmbeddedNewlinesCommasAndCRLF() async throws {
        let reading = try await Self.read(Self.csv, .csv)
        #expect(reading.refusal == nil)
        #expect(
            reading.rows == [
                "2\tA-1\tApple\t\\N\t120\t3\t\\N",
                "3\tB,2\tLine one\\nline two\tsay \"hi\"\t5\t0\t2024-05-06T07:08:09Z",
                // A quoted empty field is the empty string; an unquoted one is NULL.
                "5\tC-3\t\tfruit\t7\t1\t\\N",
                "7\tD-4\tTab\\there\tx\t1\t1\t2024-01-01 00:00:00z",
            ]
        )
    }

    @Test func csvHeaderInAnyOrderWithAByteOrderMark() async throws {
        let reading = try await Self.read("\u{FEFF}quantity,price_cents,name,sku\n3,120,Apple,A-1\n", .csv)
        #expect(reading.refusal == nil)
        #expect(reading.rows == ["2\tA-1\tApple\t\\N\t120\t3\t\\N"])
    }

    @Test func jsonArrayRowsAreNumberedByTheLineTheirObjectStartsOn() async throws {
        let reading = try await Self.read(Self.jsonArray, .jsonArray)
        #expect(reading.refusal == nil)
        #expect(reading.rows == ["2\tA-1\tApple\t\\N\t120\t3\t\\N", "4\tB-2\tBanana\t\\N\t5\t0\t\\N"])
    }

    @Test(arguments: [ImportFormat.ndjson, .csv, .jsonArray])
    func rowsSplitAcrossPiecesAnywhereReadTheSame(format: ImportFormat) async throws {
        let body = [ImportFormat.ndjson: Self.ndjson, .csv: Self.csv, .jsonArray: Self.jsonArray][format]!
        let whole = try await Self.read(body, format)
        #expect(!whole.rows.isEmpty)
        for pieceSize in [1, 2, 3, 5, 7, 13, 64] {
            let pieces = try await Self.read(body, format, pieceSize: pieceSize)
            #expect(pieces.refusal == nil)
            #expect(pieces.rows == whole.rows, "pieces of \(pieceSize) bytes")
        }
    }

    @Test func rowsAreGroupedIntoChunksOfChunkSize() async throws {
        let body = (1...5).map { #"{"sku":"S\#($0)","name":"n","price_cents":1,"quantity":1}"# }.joined(separator: "\n")
        let reading = try await Self.read(body, .ndjson, pieceSize: 10, chunkSize: 2)
        #expect(reading.chunks.map(\.number) == [1, 2, 3])
        #expect(reading.chunks.map(\.rowCount) == [2, 2, 1])
        #expect(reading.chunks.map(\.firstLine) == [1, 3, 5])
        #expect(reading.rows.count == 5)
    }

    @Test func emptyBodiesHaveNoRows() async throws {
        for (body, format) in [("", ImportFormat.ndjson), ("\n \n", .ndjson), ("", .csv), ("sku,name,price_cents,quantity\n", .csv), (" [ ] ", .jsonArray), ("  ", .jsonArray)] {
            let reading = try await Self.read(body, format)
            #expect(reading.refusal == nil && reading.chunks.isEmpty, "\(format) body '\(body)'")
        }
    }

    // MARK: Bad rows

    /// 1,000 rows, the one at `badIndex` with a price that is not a whole number.
    static func body(_ format: ImportFormat, rows: Int = 1000, badIndex: Int) -> String {
        let values = (0..<rows).map { index in (sku: "SKU-\(index)", price: index == badIndex ? "12.5" : "\(index)") }
        switch format {
        case .ndjson:
            return values.map { #"{"sku":"\#($0.sku)","name":"n","price_cents":\#($0.price),"quantity":1}"# }.joined(separator: "\n") + "\n"
        case .csv:
            return "sku,name,price_cents,quantity\n" + values.map { "\($0.sku),n,\($0.price),1" }.joined(separator: "\n") + "\n"
        case .jsonArray:
            return "[\n" + values.map { #"{"sku":"\#($0.sku)","name":"n","price_cents":\#($0.price),"quantity":1}"# }.joined(separator: ",\n") + "\n]\n"
        }
    }

    @Test(arguments: [(ImportFormat.ndjson, 734), (.csv, 735), (.jsonArray, 735)])
    func aBadRowIsReportedWithItsLine(format: ImportFormat, line: Int) async throws {
        let reading = try await Self.read(Self.body(format, badIndex: 733), format, pieceSize: 4096)
        let refusal = try #require(reading.refusal)
        #expect(refusal.kind == .invalidRows)
        #expect(refusal.problems == [RowProblem(line: line, field: "price_cents", message: "should be a whole number, not '12.5'")])
        #expect(refusal.detail == "the rows have a problem, the first on line \(line); nothing was imported: fix the body and send all of it again")
        #expect(reading.chunks.isEmpty)
    }

    @Test func everyProblemIsListedUpToTwenty() async throws {
        var lines = (1...40).map { #"{"sku":"S\#($0)","name":"n","price_cents":1,"quantity":1}"# }
        for index in [1, 4, 8] { lines[index] = #"{"sku":"S","name":"n","price_cents":1}"# }
        let three = try await Self.read(lines.joined(separator: "\n"), .ndjson)
        #expect(three.problems.map(\.line) == [2, 5, 9])
        #expect(three.problems.allSatisfy { $0.field == "quantity" && $0.message == "is required but missing" })

        let thirty = (1...30).map { _ in #"{"sku":"S","name":"n","price_cents":"x","quantity":1}"# }.joined(separator: "\n")
        let refusal = try #require(try await Self.read(thirty, .ndjson).refusal)
        #expect(refusal.problems.count == 20)
        #expect(refusal.problems.map(\.line) == Array(1...20))
        #expect(refusal.detail.hasPrefix("the rows have at least 20 problems (the first 20 are listed), the first on line 1"))
    }

    @Test func unknownRepeatedAndTenantFieldsAreProblems() async throws {
        let body = """
            {"sku":"A","name":"n","price_cents":1,"quantity":1,"colour":"red"}
            {"sku":"A","name":"n","price_cents":1,"quantity":1,"sku":"B"}
            {"sku":"A","name":"n","price_cents":1,"quantity":1,"tenant":"other"}
            """
        let problems = try await Self.read(body, .ndjson).problems
        #expect(
            problems == [
                RowProblem(line: 1, field: "colour", message: "unknown field: rows of 'products' have sku, name, category, price_cents, quantity, updated_at"),
                RowProblem(line: 2, field: "sku", message: "the field appears twice in the row"),
                RowProblem(line: 3, field: "tenant", message: "the tenant comes from the request, not from the rows: remove this field"),
            ]
        )
    }

    @Test(arguments: [
        (#""small":2147483648"#, "small", "'2147483648' is out of range for integer: use -2147483648 to 2147483647"),
        (#""small":1.5"#, "small", "should be a whole number, not '1.5'"),
        (#""small":"1""#, "small", "should be a whole number, not the string '1'"),
        (#""large":-9223372036854775809"#, "large", "'-9223372036854775809' is out of range for bigint: use -9223372036854775808 to 9223372036854775807"),
        (#""amount":"1.5""#, "amount", "should be a number, not the string '1.5'"),
        (#""flag":"yes""#, "flag", "should be true or false, not the string 'yes'"),
        (#""day":"2023-02-29""#, "day", "should be a date such as 2024-05-06, not the string '2023-02-29'"),
        (#""moment":"2024-05-06T07:08:09""#, "moment", "should be an RFC 3339 timestamp with its offset, such as 2024-05-06T07:08:09Z, not the string '2024-05-06T07:08:09'"),
        (#""note":5"#, "note", "should be a string, not the number '5'"),
        (#""note":{"x":[1,"]"]}"#, "note", "should be a string, not a JSON object"),
        (#""note":[]"#, "note", "should be a string, not a JSON array"),
        (#""note":"\u0000""#, "note", "contains \\u0000, a NUL character, which PostgreSQL text cannot hold"),
        (#""note":"\ud800x""#, "note", "has a \\u escape of half a surrogate pair"),
        (#""note":"\q""#, "note", "has an unknown escape '\\q'"),
    ])
    func typeErrorsNameTheFieldAndTheValue(field json: String, name: String, message: String) async throws {
        let problems = try await Self.read(#"{"code":"c",\#(json)}"#, .ndjson, dataset: TestDatasets.everyType).problems
        #expect(problems == [RowProblem(line: 1, field: name, message: message)])
    }

    @Test func valuesOfEveryTypeAreCopiedAsPostgreSQLReadsThem() async throws {
        let body = """
            {"code":"éééééééé","note":"","small":-2147483648,"large":-9223372036854775808,"amount":-0.5e-3,"flag":true,"day":"2024-02-29","moment":"2024-05-06 07:08:09.123456-05:30"}
            {"code":"b","note":null,"small":0,"flag":false}
            """
        let reading = try await Self.read(body, .ndjson, dataset: TestDatasets.everyType)
        #expect(reading.refusal == nil)
        #expect(
            reading.rows == [
                "1\téééééééé\t\t-2147483648\t-9223372036854775808\t-0.5e-3\tt\t2024-02-29\t2024-05-06 07:08:09.123456-05:30",
                "2\tb\t\\N\t0\t\\N\t\\N\tf\t\\N\t\\N",
            ]
        )
        let csv = try await Self.read("code,small,amount,flag\na,+12,.5,YES\nb,-0,12.,off\n", .csv, dataset: TestDatasets.everyType)
        #expect(csv.rows == ["2\ta\t\\N\t+12\t\\N\t.5\tt\t\\N\t\\N", "3\tb\t\\N\t-0\t\\N\t12.\tf\t\\N\t\\N"])
    }

    @Test func csvValuesAreCheckedFromTheirText() async throws {
        let problems = try await Self.read("code,small,amount,flag,day\na,x,1.2.3,maybe,2024-13-01\n", .csv, dataset: TestDatasets.everyType).problems
        #expect(problems.map(\.field) == ["small", "amount", "flag", "day"])
        #expect(problems.allSatisfy { $0.line == 2 })
        #expect(problems[0].message == "should be a whole number, not 'x'")
    }

    @Test func requiredFieldsAndLengthLimits() async throws {
        let body = """
            {"note":"x"}
            {"code":null}
            {"code":"abcdefghi"}
            {"code":"ééééééééé"}
            """
        let problems = try await Self.read(body, .ndjson, dataset: TestDatasets.everyType).problems
        #expect(
            problems == [
                RowProblem(line: 1, field: "code", message: "is required but missing"),
                RowProblem(line: 2, field: "code", message: "is required but empty"),
                RowProblem(line: 3, field: "code", message: "is 9 characters long; at most 8 are allowed"),
                RowProblem(line: 4, field: "code", message: "is 9 characters long; at most 8 are allowed"),
            ]
        )
        let csv = try await Self.read("code,note\n,x\n", .csv, dataset: TestDatasets.everyType).problems
        #expect(csv == [RowProblem(line: 2, field: "code", message: "is required but empty")])
    }

    @Test func invalidUTF8IsAProblemOfItsField() async throws {
        let body = Array(#"{"code":"a","note":"x"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let problems = try await BodyReading.read(body, .ndjson, dataset: TestDatasets.everyType).problems
        #expect(problems == [RowProblem(line: 1, field: "note", message: "is not valid UTF-8 (at byte 2)")])
    }

    // MARK: Broken bodies

    @Test func aBrokenNDJSONLineIsAProblemOfThatRowAndLaterLinesAreStillChecked() async throws {
        let body = """
            {"sku":"A","name":"n","price_cents":1,"quantity":1}
            {"sku":"B","name":"n","price_cents":1,"quantity":1}
            {"sku":"C","name":"n" "price_cents":1}
            [1, 2]
            {"sku":"E","name":"n","price_cents":"x","quantity":1}
            """
        let refusal = try #require(try await Self.read(body, .ndjson).refusal)
        #expect(refusal.kind == .invalidRows)
        #expect(
            refusal.problems == [
                RowProblem(line: 3, field: nil, message: "not valid JSON: expected ',' or '}' after a value, found '\"price_cents\":1}'"),
                RowProblem(line: 4, field: nil, message: "each line must be a JSON object, but this one starts with '[1, 2]'"),
                RowProblem(line: 5, field: "price_cents", message: "should be a whole number, not the string 'x'"),
            ]
        )
    }

    @Test func brokenJSONInAnArrayStopsTheReadingAtItsLine() async throws {
        let body = """
            [
              {"sku":"A","name":"n","price_cents":"x","quantity":1},
              {"sku":"B","name":"n","price_cents":1,"quantity":1},
              {"sku":"C","name":"n" "price_cents":1},
              {"sku":"D"}
            ]
            """
        let refusal = try #require(try await Self.read(body, .jsonArray, pieceSize: 7).refusal)
        #expect(refusal.kind == .malformedBody)
        #expect(refusal.problems.map(\.line) == [2, 4])
        #expect(refusal.detail.hasPrefix("the body is not valid JSON (line 4: not valid JSON: expected ',' or '}' after a value"))

        let unclosed = try #require(try await Self.read(#"[{"sku":"A","name":"n","price_cents":1,"quantity":1},"#, .jsonArray).refusal)
        #expect(unclosed.kind == .malformedBody)
        #expect(unclosed.problems == [RowProblem(line: 1, field: nil, message: "the body ends before the JSON array is closed with ']'")])

        let notAnArray = try #require(try await Self.read(#"{"sku":"A"}"#, .jsonArray).refusal)
        #expect(notAnArray.problems.first?.message.contains("must be an array of row objects") == true)

        let elements = try await Self.read(#"[1, {"sku":"A","name":"n","price_cents":1,"quantity":1}] x"#, .jsonArray).refusal
        #expect(elements?.problems.map(\.message) == ["each element of the array must be a row object, not a number", "not valid JSON: unexpected 'x' after the array's closing ']'"])
    }

    @Test func brokenCSVStopsTheReadingAtItsLine() async throws {
        let unterminated = try #require(try await Self.read("sku,name,price_cents,quantity\nA,n,1,1\nB,\"n,1,1\nC,n,1,1\n", .csv).refusal)
        #expect(unterminated.kind == .malformedBody)
        #expect(unterminated.problems == [RowProblem(line: 3, field: nil, message: "a quoted field starting on this line is never closed")])

        let strayQuote = try #require(try await Self.read("sku,name,price_cents,quantity\nA,n\"x,1,1\n", .csv).refusal)
        #expect(strayQuote.kind == .malformedBody)
        #expect(strayQuote.problems.first?.line == 2)

        let afterQuote = try #require(try await Self.read("sku,name,price_cents,quantity\nA,\"n\"x,1,1\n", .csv).refusal)
        #expect(afterQuote.problems.first?.message == "after a field's closing quote, expected ',' or the end of the line, found 'x,1,1'")
    }

    @Test func csvRowsWithTheWrongNumberOfFieldsAreProblems() async throws {
        let problems = try await Self.read("sku,name,price_cents,quantity\nA,n,1\nB,n,1,1,extra\nC,n,1,1\n", .csv).problems
        #expect(
            problems == [
                RowProblem(line: 2, field: nil, message: "has 3 fields, but the header has 4"),
                RowProblem(line: 3, field: nil, message: "has 5 fields, but the header has 4"),
            ]
        )
    }

    @Test func aCSVHeaderMustNameTheDatasetsFields() async throws {
        let refusal = try #require(try await Self.read("sku,colour,tenant,sku\nA,red,x,A\n", .csv).refusal)
        #expect(refusal.kind == .invalidRows)
        #expect(
            refusal.problems == [
                RowProblem(line: 1, field: "colour", message: "in the header: unknown field: rows of 'products' have sku, name, category, price_cents, quantity, updated_at"),
                RowProblem(line: 1, field: "tenant", message: "in the header: the tenant comes from the request, not from the rows: remove this field"),
                RowProblem(line: 1, field: "sku", message: "in the header twice"),
                RowProblem(line: 1, field: "name", message: "a required column, missing from the header"),
                RowProblem(line: 1, field: "price_cents", message: "a required column, missing from the header"),
                RowProblem(line: 1, field: "quantity", message: "a required column, missing from the header"),
            ]
        )
    }

    @Test func aBodyOverTheLimitIsRefused() async throws {
        let body = Self.body(.ndjson, rows: 100, badIndex: -1)
        let reading = try await BodyReading.read(Array(body.utf8), .ndjson, pieceSize: 100, maxBodyBytes: 1000)
        #expect(reading.refusal?.kind == .bodyTooLarge)
        #expect(reading.refusal?.detail == "the body is larger than the limit of 1000 bytes: split the rows into several imports")
    }

    @Test func aRowLongerThanTheLimitIsRefused() async throws {
        let body = #"{"sku":"A","name":"n","price_cents":1,"quantity":1}"# + "\n" + #"{"name":""# + String(repeating: "x", count: 9 << 20)
        let refusal = try #require(try await Self.read(body, .ndjson).refusal)
        #expect(refusal.kind == .malformedBody)
        #expect(refusal.problems.last == RowProblem(line: 2, field: nil, message: "a row longer than 8 MiB starts on this line; rows must be shorter"))
    }

    @Test func contentTypes() {
        #expect(ImportFormat(contentType: "application/x-ndjson") == .ndjson)
        #expect(ImportFormat(contentType: "Text/CSV; charset=utf-8") == .csv)
        #expect(ImportFormat(contentType: "application/json ; charset=UTF-8") == .jsonArray)
        #expect(ImportFormat(contentType: "text/plain") == nil)
        #expect(ImportError.unsupportedFormat(contentType: "text/plain").detail == "'text/plain' is not supported: send rows as application/x-ndjson, text/csv or application/json (an array of objects)")
    }

    @Test func optionsAreCheckedWithMessagesNamingTheParameter() throws {
        #expect(try ImportOptions(onConflict: nil, chunkSize: nil) == ImportOptions())
        #expect(try ImportOptions(onConflict: "update", chunkSize: "100") == ImportOptions(onConflict: .update, chunkSize: 100))
        #expect(throws: ImportError.self) { try ImportOptions(onConflict: "replace", chunkSize: nil) }
        do {
            _ = try ImportOptions(onConflict: nil, chunkSize: "0")
            Issue.record("chunk_size 0 was accepted")
        } catch {
            #expect(error.kind == .invalidOption)
            #expect(error.detail == "chunk_size must be a whole number from 1 to 100000, not '0'")
        }
    }
}
