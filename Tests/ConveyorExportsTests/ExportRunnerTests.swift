import ConveyorCore
import ConveyorExports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import Foundation
import Testing

@Suite("Export runner")
struct ExportRunnerTests {
    @Test("the CSV of inventory-by-category and of products matches psql's \\copy byte for byte; the JSON has the same rows")
    func csvMatchesPsql() async throws {
        try await ExportFixture.with { fixture in
            try await fixture.insertProducts()
            let catalogue = try JobCatalogue.exports()
            let runner = ExportRunner(folder: fixture.folder)
            for (name, params) in [("inventory-by-category", [:]), ("products", [:]), ("products", ["category": JSONValue.string("O'Brien's")])] {
                let export = try #require(catalogue.export(named: name))
                let arguments = try export.arguments(params)
                let csv = try await fixture.pool.withConnection { connection in
                    try await runner.run(export, arguments: arguments, tenant: fixture.tenant, format: .csv, fileName: "a.csv", on: connection)
                }
                let written = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.settings().path(of: "a.csv"))))
                let expected = try await ExportFixture.psqlCopy(export.sql(tenant: fixture.tenant, arguments: arguments))
                #expect(written == expected, "\(name) \(params)")
                #expect(csv.bytes == written.count)
                #expect(csv.sha256 == (try await ExportFixture.sha256sum(written)))

                let json = try await fixture.pool.withConnection { connection in
                    try await runner.run(export, arguments: arguments, tenant: fixture.tenant, format: .json, fileName: "a.json", on: connection)
                }
                let data = try Data(contentsOf: URL(fileURLWithPath: fixture.settings().path(of: "a.json")))
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
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder).sorted() == ["a.csv", "a.json"])
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

    @Test("an export of nothing is a CSV header alone and an empty JSON array")
    func empty() async throws {
        try await ExportFixture.with { fixture in
            let export = try #require(try JobCatalogue.exports().export(named: "products"))
            let runner = ExportRunner(folder: fixture.folder)
            let (csv, json) = try await fixture.pool.withConnection { connection in
                (
                    try await runner.run(export, arguments: try export.arguments([:]), tenant: fixture.tenant, format: .csv, fileName: "e.csv", on: connection),
                    try await runner.run(export, arguments: try export.arguments([:]), tenant: fixture.tenant, format: .json, fileName: "e.json", on: connection)
                )
            }
            #expect(csv.rows == 0 && json.rows == 0)
            #expect(try String(contentsOfFile: fixture.settings().path(of: "e.csv"), encoding: .utf8) == "sku,name,category,price_cents,quantity,updated_at\n")
            #expect(try String(contentsOfFile: fixture.settings().path(of: "e.json"), encoding: .utf8) == "[]\n")
        }
    }

    @Test("a query that fails leaves no file behind, temporary or final")
    func failureLeavesNothing() async throws {
        try await ExportFixture.with { fixture in
            let catalogue = try ExportCatalogue(files: [("jobs/exports/broken.sql", Array("-- Broken.\nSELECT 1 / 0 FROM products WHERE tenant = :tenant OR true".utf8))])
            let export = try #require(catalogue.export(named: "broken"))
            try await fixture.insertProducts()
            await #expect(throws: PostgresError.self) {
                try await fixture.pool.withConnection { connection in
                    try await ExportRunner(folder: fixture.folder).run(
                        export, arguments: try export.arguments([:]), tenant: fixture.tenant, format: .csv, fileName: "b.csv", on: connection
                    )
                }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder).isEmpty)
        }
    }
}
