import ConveyorCore
import Foundation
import Testing

@Suite struct CatalogueFileTests {
    private func file(_ text: String, path: String = "jobs/datasets/products.dataset") throws(CatalogueFileError) -> CatalogueFile {
        try CatalogueFile(path: path, contents: Array(text.utf8), fileExtension: ".dataset", fileName: "a dataset file's name")
    }

    private func sqlFile(_ text: String) throws(CatalogueFileError) -> CatalogueFile {
        try CatalogueFile(path: "jobs/exports/products.sql", contents: Array(text.utf8), fileExtension: ".sql", fileName: "an export file's name")
    }

    /// The first line of `text`, as a file gives it.
    private func line(_ text: String) throws -> CatalogueLine {
        try file(text).lines()[0]
    }

    private func numbered(_ lines: [CatalogueLine]) -> [String] {
        lines.map { "\($0.number) \($0.text)" }
    }

    @Test func isNamedAfterTheFileWithoutItsExtension() throws {
        #expect(try file("").name == "products")
        #expect(try file("", path: "products.dataset").name == "products")
        #expect(try file("", path: "jobs/datasets/.dataset").name == "")
    }

    @Test func aValidNameIsOneToSixtyThreeOfLowerCaseLettersDigitsUnderscoresAndDashesStartingWithALetter() throws {
        for name in ["p", "products", "imports-per-day", "a_1", String(repeating: "a", count: 63)] {
            #expect(try file("", path: "\(name).dataset").hasValidName, "\(name)")
        }
        for name in ["", "1st", "-x", "_x", "Products", "a.b", "a b", "é", String(repeating: "a", count: 64)] {
            #expect(try !file("", path: "\(name).dataset").hasValidName, "\(name)")
        }
    }

    @Test func refusesAnotherExtensionNamingTheFile() {
        #expect(throws: CatalogueFileError(file: "jobs/datasets/products.txt", line: nil, message: "a dataset file's name must end in .dataset")) {
            try file("table products", path: "jobs/datasets/products.txt")
        }
        #expect(throws: CatalogueFileError(file: "jobs/products.dataset/notes", line: nil, message: "a dataset file's name must end in .dataset")) {
            try file("", path: "jobs/products.dataset/notes")
        }
    }

    @Test func refusesInvalidUTF8WhenTheLinesAreRead() throws {
        let file = try CatalogueFile(path: "jobs/caches/figures.sql", contents: [0x2D, 0x2D, 0xFF], fileExtension: ".sql", fileName: "a cached value's file name")
        #expect(file.name == "figures")
        #expect(throws: CatalogueFileError(file: "jobs/caches/figures.sql", line: nil, message: "the file is not valid UTF-8")) {
            try file.lines()
        }
        #expect(throws: CatalogueFileError.self) { try file.header(blank: .whitespace) }
    }

    @Test func numbersEveryLineFromOne() throws {
        #expect(numbered(try file("a\n\nb\n").lines()) == ["1 a", "2 ", "3 b", "4 "])
        #expect(numbered(try file("").lines()) == ["1 "])
        #expect(numbered(try file("a\r\nb").lines()) == ["1 a\r\nb"])
    }

    @Test func directiveLinesKeepTheirNumbersWithoutCommentsOrBlankLines() throws {
        let text = "# about\n\ntable  products   # the target\n  \t\nkey tenant, sku\n  # indented comment\n,,\n"
        let lines = try file(text).directiveLines(comments: .hashToEndOfLine, blank: .characters([" ", "\t", "\r", ","]))
        #expect(numbered(lines) == ["3 table  products", "5 key tenant, sku"])
    }

    @Test func aHashLineIsACommentButAHashLaterIsText() throws {
        let text = "  # about\ncron 0 * * * *\n\n#kind noop\npayload {\"tag\": \"#1\"}\n"
        let lines = try file(text).directiveLines(comments: .hashLines, blank: .scalars(.whitespacesAndNewlines))
        #expect(numbered(lines) == ["2 cron 0 * * * *", "5 payload {\"tag\": \"#1\"}"])
    }

    @Test func splitsALineIntoWords() throws {
        let key = try line("key\ttenant, sku ,")
        #expect(key.words(separatedBy: [" ", "\t", ","]) == ["key", "tenant", "sku"])
        #expect(key.words(separatedBy: [" ", "\t"]) == ["key", "tenant,", "sku", ","])
    }

    @Test func splitsADirectiveFromItsArgument() throws {
        let cron = try line("cron \t 30 2 * * mon-fri")
        #expect(cron.directive(argumentTrimmedOf: .whitespace) == ("cron", "30 2 * * mon-fri"))
        let bare = try line("tenant")
        #expect(bare.directive(argumentTrimmedOf: .whitespace) == ("tenant", ""))
        let carriageReturn = try line("tenant\racme")
        #expect(carriageReturn.directive(argumentTrimmedOf: .scalars(.whitespaces)) == ("tenant", "\racme"))
        #expect(carriageReturn.directive(argumentTrimmedOf: .whitespace) == ("tenant", "acme"))
    }

    @Test func blanksAreTheFormatsOwn() {
        #expect(CatalogueBlank.characters([" ", "\t", "\r", "\n"]).trimming(" \tSELECT 1\r\n") == "SELECT 1\r\n")
        #expect(CatalogueBlank.whitespace.trimming(" \tSELECT 1\r\n") == "SELECT 1")
        #expect(CatalogueBlank.characters([" "]).trimming("\u{A0}x ") == "\u{A0}x")
        #expect(CatalogueBlank.whitespace.trimming("\u{A0}x ") == "x")
        #expect(CatalogueBlank.whitespace.trimming(" \u{301}x") == "x")
        #expect(CatalogueBlank.scalars(.whitespaces).trimming(" \u{301}x").unicodeScalars.first == "\u{301}")
        #expect(CatalogueBlank.scalars(.whitespacesAndNewlines).trimming("\u{200B}x") == "x")
        #expect(CatalogueBlank.whitespace.trimming(" \n ") == "")
    }

    @Test func readsTheHeaderOfASQLFileAndWhereItsBodyStarts() throws {
        let text = "-- Products per category.\n--\n\n  -- ttl 5m  \nSELECT 1\n-- not the header\nFROM t;\n"
        let header = try sqlFile(text).header(blank: .whitespace)
        #expect(numbered(header.comments) == ["1 Products per category.", "4 ttl 5m"])
        #expect(header.body == "SELECT 1\n-- not the header\nFROM t;\n")
        #expect(header.bodyLine == 5)
    }

    @Test func aHeaderWithoutABodyEndsAfterTheLastLine() throws {
        let header = try sqlFile("-- Only a header.\n").header(blank: .whitespace)
        #expect(numbered(header.comments) == ["1 Only a header."])
        #expect(header.body.isEmpty)
        #expect(header.bodyLine == 3)
    }

    @Test func errorsNameTheFileAndTheLineWhenThereIsOne() throws {
        let file = try file("")
        #expect(file.error(3, "unknown directive 'colum'").description == "jobs/datasets/products.dataset:3: unknown directive 'colum'")
        #expect(file.error(nil, "no 'table' line").description == "jobs/datasets/products.dataset: no 'table' line")
    }

    @Test func aCatalogueRefusesASecondFileWithANameAlreadyRead() throws {
        let files: [(path: String, contents: [UInt8])] = [("a/one.dataset", Array("1".utf8)), ("b/two.dataset", Array("2".utf8))]
        let read = try CatalogueFile.byName(files, item: "dataset", name: \.name) { path, contents throws(CatalogueFileError) in
            try file(String(decoding: contents, as: UTF8.self), path: path)
        }
        #expect(read.keys.sorted() == ["one", "two"])
        #expect(try read["two"]?.lines().first?.text == "2")

        let twice = files + [("c/one.dataset", Array("3".utf8))]
        #expect(throws: CatalogueFileError(file: "c/one.dataset", line: nil, message: "a second dataset named 'one'")) {
            try CatalogueFile.byName(twice, item: "dataset", name: \.name) { path, contents throws(CatalogueFileError) in
                try file(String(decoding: contents, as: UTF8.self), path: path)
            }
        }
    }
}
