import ConveyorCore
import ConveyorExports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorWorker
import Testing

@Suite("Export catalogue")
struct ExportCatalogueTests {
    private func parse(_ text: String, file: String = "jobs/exports/sample.sql") throws(CatalogueFileError) -> ExportCatalogue {
        try ExportCatalogue(files: [(file, Array(text.utf8))])
    }

    @Test("the shipped exports load, each with its parameters")
    func shipped() throws {
        let catalogue = try JobCatalogue.exports()
        #expect(catalogue.names == ["imports-per-day", "inventory-by-category", "job-stats-per-kind", "products"])
        let stats = try #require(catalogue.export(named: "job-stats-per-kind"))
        #expect(stats.parameters == [
            ExportParameter(name: "since", type: .timestamptz, isRequired: false),
            ExportParameter(name: "until", type: .timestamptz, isRequired: false),
        ])
    }

    @Test("an export whose query does not use :tenant is refused, naming the file")
    func tenantIsMandatory() {
        #expect(throws: CatalogueFileError(
            file: "jobs/exports/sample.sql", line: nil,
            message: "the query does not use :tenant; every export must filter its rows by the caller's tenant"
        )) {
            try parse("-- All products.\nSELECT * FROM products")
        }
    }

    @Test("mistakes are reported with their file and line")
    func mistakes() {
        func line(_ text: String) -> Int? {
            do {
                _ = try parse(text)
                return nil
            } catch {
                return error.line
            }
        }
        #expect(line("-- Sample.\n-- param since timestamp optional\nSELECT :since, :tenant") == 2)
        #expect(line("-- Sample.\n-- param since date sometimes\nSELECT :since, :tenant") == 2)
        #expect(line("-- Sample.\n-- param since date optional\n-- sideways\nSELECT :since, :tenant") == 3)
        #expect(line("-- Sample.\nSELECT 1\nFROM t WHERE tenant = :tenant\n  AND x = :nope") == 4)
        #expect(line("-- Sample.\nSELECT 'open\nFROM t WHERE tenant = :tenant") == 2)
        #expect(line("SELECT :tenant") == 1)
    }

    @Test("placeholders are found outside strings, quoted names, comments and casts")
    func placeholders() throws {
        let template = try SQLTemplate(
            "SELECT ':no', \"a:b\", x::text, $$ :no $$, $1 -- :no\n/* :no /* :no */ */ FROM t WHERE a = :tenant AND b = E'\\' :no' AND c = :c_1"
        )
        #expect(template.placeholderNames == ["tenant", "c_1"])
    }

    @Test("parameter values become typed literals; bad ones are refused naming the parameter")
    func parameters() throws {
        let catalogue = try parse(
            """
            -- Sample.
            -- param since timestamptz required
            -- param day date optional
            -- param name text optional
            -- param limit integer optional
            -- param ratio numeric optional
            -- param flag boolean optional
            SELECT 1 FROM t
            WHERE tenant = :tenant AND a >= :since AND b = :day AND c = :name AND d < :limit AND e = :ratio AND f = :flag
            """
        )
        let export = try #require(catalogue.export(named: "sample"))
        let arguments = try export.arguments([
            "since": .string("2024-05-01T00:00:00+02:00"), "name": .string("O'Brien \\ x"), "limit": .number(10),
            "ratio": .string("-0.5e3"), "flag": .bool(true),
        ])
        #expect(
            export.sql(tenant: "t'1", arguments: arguments)
                == """
                SELECT 1 FROM t
                WHERE tenant = 't''1'::text AND a >= '2024-05-01T00:00:00+02:00'::timestamptz AND b = NULL::date AND c = 'O''Brien \\ x'::text AND d < '10'::bigint AND e = '-0.5e3'::numeric AND f = 'true'::boolean
                """
        )

        do {
            _ = try export.arguments([
                "day": .string("2024-02-30"), "name": .string("a\u{0}b"), "limit": .number(1.5), "flag": .string("yes"), "other": .null,
            ])
            Issue.record("the parameters were accepted")
        } catch {
            #expect(error.issues.map(\.field) == ["params.other", "params.since", "params.day", "params.name", "params.limit", "params.flag"])
            #expect(error.issues[1].message.contains("is required"))
            #expect(error.issues[3].message.contains("NUL"))
        }
        #expect(throws: ExportRequestError.self) { try export.arguments(["since": .string("2024-05-01 10:00")]) }
        #expect(throws: ExportRequestError.self) { try catalogue.resolve("missing", params: [:]) }
    }
}
