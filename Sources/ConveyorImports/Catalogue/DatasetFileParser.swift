import ConveyorCore

/// Reads one dataset file: plain text, one directive per line, `#` starting a comment.
///
/// ```
/// # jobs/datasets/products.dataset
/// table   products
/// tenant  tenant
/// key     tenant, sku
/// column  sku          text(64)     required
/// column  price_cents  bigint       required
/// column  updated_at   timestamptz  optional
/// ```
///
/// `table` names the target (optionally `schema.table`); `tenant` the target column filled
/// from the request; `key` the natural key for `ON CONFLICT`; each `column` a field of the
/// rows with its type (``ColumnType/spellings``) and `required` or `optional`. The dataset
/// is named after the file.
struct DatasetFileParser {
    static let fileExtension = ".dataset"

    let path: String
    let contents: [UInt8]

    private var table: (name: String, line: Int)?
    private var tenant: (name: String, line: Int)?
    private var key: (columns: [String], line: Int)?
    private var columns: [(column: DatasetColumn, line: Int)] = []

    init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }

    func parse() throws(CatalogueFileError) -> Dataset {
        var parser = self
        return try parser.read()
    }

    private mutating func read() throws(CatalogueFileError) -> Dataset {
        let name = try datasetName()
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw error(nil, "the file is not valid UTF-8")
        }
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = rawLine.prefix { $0 != "#" }
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
            guard let directive = words.first else { continue }
            try read(directive: directive, arguments: Array(words.dropFirst()), line: index + 1)
        }
        return try dataset(named: name)
    }

    private func datasetName() throws(CatalogueFileError) -> String {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        guard fileName.hasSuffix(Self.fileExtension) else {
            throw error(nil, "a dataset file's name must end in \(Self.fileExtension)")
        }
        let name = String(fileName.dropLast(Self.fileExtension.count))
        guard Identifier.isDatasetName(name) else {
            throw error(nil, "'\(name)' cannot name a dataset: use 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter")
        }
        return name
    }

    private mutating func read(directive: Substring, arguments: [Substring], line: Int) throws(CatalogueFileError) {
        switch directive {
        case "table":
            guard table == nil else { throw error(line, "a second 'table' line; a dataset has one target table") }
            guard arguments.count == 1, Identifier.isQualifiedName(arguments[0]) else {
                throw error(line, "expected 'table NAME' with a lower-case SQL name such as products or inventory.products")
            }
            table = (String(arguments[0]), line)
        case "tenant":
            guard tenant == nil else { throw error(line, "a second 'tenant' line; a dataset has one tenant column") }
            guard arguments.count == 1, Identifier.isColumnName(arguments[0]) else {
                throw error(line, "expected 'tenant COLUMN' with a lower-case SQL name such as tenant")
            }
            tenant = (String(arguments[0]), line)
        case "key":
            guard key == nil else { throw error(line, "a second 'key' line; list every key column on one line") }
            guard !arguments.isEmpty else { throw error(line, "expected 'key COLUMN, COLUMN…' naming the natural key") }
            for argument in arguments where !Identifier.isColumnName(argument) {
                throw error(line, "'\(argument)' is not a column name: use lower-case letters, digits and '_'")
            }
            key = (arguments.map(String.init), line)
        case "column":
            columns.append((try column(arguments, line: line), line))
        default:
            throw error(line, "unknown directive '\(directive)'; a line starts with table, tenant, key or column")
        }
    }

    private func column(_ arguments: [Substring], line: Int) throws(CatalogueFileError) -> DatasetColumn {
        guard arguments.count == 3 else {
            throw error(line, "expected 'column NAME TYPE required|optional', e.g. 'column sku text(64) required'")
        }
        let name = arguments[0]
        guard Identifier.isColumnName(name) else {
            throw error(line, "'\(name)' is not a column name: use lower-case letters, digits and '_', starting with a letter or '_'")
        }
        guard let type = ColumnType(spelling: arguments[1]) else {
            throw error(line, "unknown type '\(arguments[1])' for column '\(name)'; use one of \(ColumnType.spellings)")
        }
        let isRequired: Bool
        switch arguments[2] {
        case "required": isRequired = true
        case "optional": isRequired = false
        default: throw error(line, "column '\(name)' must be 'required' or 'optional', not '\(arguments[2])'")
        }
        return DatasetColumn(name: String(name), type: type, isRequired: isRequired)
    }

    private func dataset(named name: String) throws(CatalogueFileError) -> Dataset {
        guard let table else { throw error(nil, "no 'table' line; add one naming the target table, e.g. 'table \(name)'") }
        guard let tenant else { throw error(nil, "no 'tenant' line; add one naming the column that holds the tenant") }
        guard let key else { throw error(nil, "no 'key' line; add one naming the natural key, e.g. 'key tenant, sku'") }
        guard !columns.isEmpty else { throw error(nil, "no 'column' lines; a dataset needs at least one field") }
        var seen: Set<String> = [tenant.name]
        for (column, line) in columns {
            guard seen.insert(column.name).inserted else {
                throw error(
                    line,
                    column.name == tenant.name
                        ? "'\(column.name)' is the tenant column, which the intake fills from the request: remove this line"
                        : "column '\(column.name)' is declared twice"
                )
            }
        }
        var keyColumns: Set<String> = []
        for name in key.columns {
            guard keyColumns.insert(name).inserted else { throw error(key.line, "key column '\(name)' is listed twice") }
            if name == tenant.name { continue }
            guard let column = columns.first(where: { $0.column.name == name })?.column else {
                throw error(key.line, "key column '\(name)' is neither a declared column nor the tenant column")
            }
            guard column.isRequired else {
                throw error(key.line, "key column '\(name)' must be required: a row without a key could never match an existing one")
            }
        }
        guard keyColumns.subtracting([tenant.name]).count > 0 else {
            throw error(key.line, "the key needs at least one column besides the tenant column")
        }
        return Dataset(name: name, table: table.name, tenantColumn: tenant.name, columns: columns.map(\.column), key: key.columns)
    }

    private func error(_ line: Int?, _ message: String) -> CatalogueFileError {
        CatalogueFileError(file: path, line: line, message: message)
    }
}
