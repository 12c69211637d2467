import ConveyorCore
import ConveyorExports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import Foundation
import Testing

@Suite("Export runner")
struct ExportRunnerTests {
    @Test(
        "the CSV of inventory-by-category and of products matches psql's \\copy byte for byte; the JSON has the same rows",
        arguments: ExportSettings.Store.allCases
    )
    func csvMatchesPsql(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            try await fixture.insertProducts()
            let catalogue = try JobCatalogue.exports()
            let runner = ExportRunner(files: fixture.files)
            var written: [String] = []
            for (name, params) in [("inventory-by-category", [:]), ("products", [:]), ("products", ["category": JSONValue.string("O'Brien's")])] {
                let export = try #require(catalogue.export(named: name))
                let arguments = try export.arguments(params)
                let (csvName, jsonName) = (fixture.fileName("\(written.count).csv"), fixture.fileName("\(written.count + 1).json"))
                written += [csvName, jsonName]
                let csv = try await fixture.pool.withConnection { connection in
                    try await runner.run(export, arguments: arguments, tenant: fixture.tenant, format: .csv, fileName: csvName, on: connection)
                }
                let csvBytes = try #require(try await fixture.contents(of: csvName))
                let expected = try await ExportFixture.psqlCopy(export.sql(tenant: fixture.tenant, arguments: arguments))
                #expect(csvBytes == expected, "\(name) \(params)")
                #expect(csv.bytes == csvBytes.count)
                #expect(csv.sha256 == (try await ExportFixture.sha256sum(csvBytes)))

                let json = try await fixture.pool.withConnection { connection in
                    try await runner.run(export, arguments: arguments, tenant: fixture.tenant, format: .json, fileName: jsonName, on: connection)
                }
                let data = Data(try #require(try await fixture.contents(of: jsonName)))
                let objects = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
                #expect(objects.count == csv.rows)
                #expect(json.rows == csv.rows)
                let reference = try await fixture.pool.withConnection { connection in
                    try await connection.query(export.sql(tenant: fixture.tenant, arguments: arguments))
                }
                for (object, row) in zip(objects, reference.rows) {
                    for (index, column) in reference.columns.enumerated() {
                        #expect(Self.same(object[column], row[index]), "\(column): \(object[column] ?? "nothing") against \(row[index] ?? "NULL")")
                    }
                }
            }
            #expect(try await fixture.storedFiles(prefix: fixture.fileName("")) == written.sorted())
        }
    }

    /// Whether a JSON value is the text PostgreSQL gives for it: numbers by value, strings as
    /// they are, timestamps in JSON's ISO form against the text form.
    private static func same(_ value: Any?, _ text: String?) -> Bool {
        switch (value, text) {
        case (is NSNull, nil): return true
        case (let number as NSNumber, let text?): return Double(text) == number.doubleValue
        case (let string as String, let text?):
            var iso = string.replacingOccurrences(of: "T", with: " ")
            if iso.hasSuffix(":00"), iso.count > 19 { iso.removeLast(3) }
            return string == text || iso == text
        default: return false
        }
    }

    @Test("an export of nothing is a CSV header alone and an empty JSON array", arguments: ExportSettings.Store.allCases)
    func empty(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            let export = try #require(try JobCatalogue.exports().export(named: "products"))
            let runner = ExportRunner(files: fixture.files)
            let (csvName, jsonName) = (fixture.fileName("e.csv"), fixture.fileName("e.json"))
            let (csv, json) = try await fixture.pool.withConnection { connection in
                (
                    try await runner.run(export, arguments: try export.arguments([:]), tenant: fixture.tenant, format: .csv, fileName: csvName, on: connection),
                    try await runner.run(export, arguments: try export.arguments([:]), tenant: fixture.tenant, format: .json, fileName: jsonName, on: connection)
                )
            }
            #expect(csv.rows == 0 && json.rows == 0)
            #expect(try await fixture.contents(of: csvName) == Array("sku,name,category,price_cents,quantity,updated_at\n".utf8))
            #expect(try await fixture.contents(of: jsonName) == Array("[]\n".utf8))
        }
    }

    @Test("a file of many chunks is read back whole and in order", arguments: ExportSettings.Store.allCases)
    func manyChunks(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            // 3.5 MiB in the 64 KiB pieces of COPY TO, with every byte value and no period that
            // lines up with a chunk.
            let bytes = (0..<(7 << 19)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 16) }
            let name = fixture.fileName("big.csv")
            let writer = try await fixture.files.create(name)
            #expect(try await fixture.contents(of: name) == nil, "a file is not served before it is whole")
            for start in stride(from: 0, to: bytes.count, by: 65_536) {
                try await writer.write(Array(bytes[start..<min(start + 65_536, bytes.count)]))
            }
            let digest = try await writer.finish()
            #expect(digest.bytes == bytes.count)
            #expect(digest.sha256 == (try await ExportFixture.sha256sum(bytes)))
            #expect(try await fixture.contents(of: name) == bytes)
            #expect(try await fixture.files.remove(name))
            #expect(try await fixture.contents(of: name) == nil)
        }
    }

    @Test("a query that fails leaves no file behind, temporary or final", arguments: ExportSettings.Store.allCases)
    func failureLeavesNothing(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            let catalogue = try ExportCatalogue(files: [("jobs/exports/broken.sql", Array("-- Broken.\nSELECT 1 / 0 FROM products WHERE tenant = :tenant OR true".utf8))])
            let export = try #require(catalogue.export(named: "broken"))
            try await fixture.insertProducts()
            await #expect(throws: PostgresError.self) {
                try await fixture.pool.withConnection { connection in
                    try await ExportRunner(files: fixture.files).run(
                        export, arguments: try export.arguments([:]), tenant: fixture.tenant, format: .csv, fileName: fixture.fileName("b.csv"),
                        on: connection
                    )
                }
            }
            #expect(try await fixture.storedFiles(prefix: fixture.fileName("")).isEmpty)
        }
    }
}
