import ConveyorCore
import ConveyorImports
import ConveyorJobs
import ConveyorWorker
import Foundation
import Testing

/// The dataset files and their loader's errors, which name the file and the line to fix.
@Suite struct DatasetCatalogueTests {
    static let valid = """
        table   products
        tenant  tenant
        key     tenant, sku
        column  sku          text(64)     required
        column  price_cents  bigint       required
        column  updated_at   timestamptz  optional
        """

    static func load(_ text: String, file: String = "jobs/datasets/things.dataset") throws(CatalogueFileError) -> DatasetCatalogue {
        try DatasetCatalogue(files: [(file, Array(text.utf8))])
    }

    static func error(_ text: String, file: String = "jobs/datasets/things.dataset") -> CatalogueFileError? {
        do {
            _ = try load(text, file: file)
            return nil
        } catch {
            return error
        }
    }

    @Test func theShippedCatalogueLoadsAndHasProducts() throws {
        let catalogue = try JobCatalogue.datasets()
        let products = try #require(catalogue.dataset(named: "products"))
        #expect(products.table == "products")
        #expect(products.tenantColumn == "tenant")
        #expect(products.key == ["tenant", "sku"])
        #expect(products.columns.map(\.name) == ["sku", "name", "category", "price_cents", "quantity", "updated_at"])
        #expect(products.column(named: "sku") == DatasetColumn(name: "sku", type: .text(maxLength: 64), isRequired: true))
        #expect(products.column(named: "category")?.isRequired == false)
        #expect(products.column(named: "price_cents")?.type == .bigint)
        #expect(products.column(named: "quantity")?.type == .integer)
        #expect(products.column(named: "updated_at")?.type == .timestamptz)
    }

    /// A file in jobs/datasets that the catalogue does not list would be silently ignored.
    @Test func everyFileInTheDatasetsFolderIsInTheCatalogue() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../jobs/datasets").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".dataset") }
        let names = files.map { String($0.dropLast(".dataset".count)) }.sorted()
        #expect(try JobCatalogue.datasets().names == names)
    }

    @Test func aValidFileGivesItsDatasetNamedAfterTheFile() throws {
        let catalogue = try Self.load(Self.valid)
        let dataset = try #require(catalogue.dataset(named: "things"))
        #expect(dataset.columns.count == 3)
        #expect(catalogue.names == ["things"])
    }

    @Test func commentsBlankLinesAndCommasAreAllowed() throws {
        let text = "# a comment\n\n" + Self.valid.replacingOccurrences(of: "key     tenant, sku", with: "key tenant,sku  # the natural key")
        #expect(try Self.load(text).dataset(named: "things")?.key == ["tenant", "sku"])
    }

    @Test(arguments: [
        ("column  price_cents  money  required", 5, "unknown type 'money' for column 'price_cents'"),
        ("column  price_cents  bigint  mandatory", 5, "must be 'required' or 'optional', not 'mandatory'"),
        ("column  price_cents  bigint", 5, "expected 'column NAME TYPE required|optional'"),
        ("column  Price  bigint  required", 5, "'Price' is not a column name"),
        ("column  sku  text  required", 5, "column 'sku' is declared twice"),
        ("column  tenant  text  required", 5, "'tenant' is the tenant column"),
        ("column  size  text(0)  required", 5, "unknown type 'text(0)'"),
        ("colum  size  text  required", 5, "unknown directive 'colum'"),
        ("table  other", 5, "a second 'table' line"),
    ])
    func mistakesNameTheFileAndLine(line: String, number: Int, message: String) throws {
        var lines = Self.valid.split(separator: "\n").map(String.init)
        lines.insert(line, at: number - 1)
        let error = try #require(Self.error(lines.joined(separator: "\n")))
        #expect(error.file == "jobs/datasets/things.dataset")
        #expect(error.line == number)
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("jobs/datasets/things.dataset:\(number): "))
    }

    @Test func keyMistakesNameTheKeyLine() throws {
        let unknown = try #require(Self.error(Self.valid.replacingOccurrences(of: "tenant, sku", with: "tenant, code")))
        #expect(unknown.line == 3)
        #expect(unknown.message.contains("key column 'code' is neither a declared column nor the tenant column"))

        let optional = try #require(Self.error(Self.valid.replacingOccurrences(of: "tenant, sku", with: "tenant, updated_at")))
        #expect(optional.line == 3)
        #expect(optional.message.contains("must be required"))

        let tenantOnly = try #require(Self.error(Self.valid.replacingOccurrences(of: "tenant, sku", with: "tenant")))
        #expect(tenantOnly.message.contains("at least one column besides the tenant column"))
    }

    @Test func missingDirectivesNameTheFile() throws {
        let noTable = try #require(Self.error(Self.valid.replacingOccurrences(of: "table   products\n", with: "")))
        #expect(noTable.line == nil)
        #expect(noTable.description == "jobs/datasets/things.dataset: no 'table' line; add one naming the target table, e.g. 'table things'")
        #expect(Self.error(Self.valid.replacingOccurrences(of: "tenant  tenant\n", with: ""))?.message.contains("no 'tenant' line") == true)
        #expect(Self.error(Self.valid.replacingOccurrences(of: "key     tenant, sku\n", with: ""))?.message.contains("no 'key' line") == true)
    }

    @Test func theFileNameMustBeADatasetName() throws {
        #expect(Self.error(Self.valid, file: "jobs/datasets/things.txt")?.message.contains("must end in .dataset") == true)
        #expect(Self.error(Self.valid, file: "jobs/datasets/Big Things.dataset")?.message.contains("cannot name a dataset") == true)
    }
}
