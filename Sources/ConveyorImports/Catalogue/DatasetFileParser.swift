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
    /// What separates the words of a line: blanks, and the commas of a key's column list.
    static let separators: Set<Character> = [" ", "\t", "\r", ","]

    private let file: CatalogueFile
    private var table: (name: String, line: Int)?
    private var tenant: (name: String, line: Int)?
    private var key: (columns: [String], line: Int)?
    private var columns: [(column: DatasetColumn, line: Int)] = []

    /// The dataset `contents` describe, named after the file at `path`.
    static func parse(path: String, contents: [UInt8]) throws(CatalogueFileError) -> Dataset {
        let file = try CatalogueFile(path: path, contents: contents, fileExtension: fileExtension, fileName: "a dataset file's name")
        try file.requireValidName(for: "a dataset")
        var parser = DatasetFileParser(file: file)
        for line in try file.directiveLines(comments: .hashToEndOfLine, blank: .characters(separators)) {
            let words = line.words(separatedBy: separators)  // at least one: the line was trimmed of them and is not empty
            try parser.read(directive: words[0], arguments: Array(words.dropFirst()), line: line.number)
        }
        return try parser.dataset(named: file.name)
    }

    private mutating func read(directive: Substring, arguments: [Substring], line: Int) throws(CatalogueFileError) {
        switch directive {
        case "table":
            guard table == nil else { throw file.error(line, "a second 'table' line; a dataset has one target table") }
            guard arguments.count == 1, Identifier.isQualifiedName(arguments[0]) else {
                throw file.error(line, "expected 'table NAME' with a lower-case SQL name such as products or inventory.products")
            }
            table = (String(arguments[0]), line)
        case "tenant":
            guard tenant == nil else { throw file.error(line, "a second 'tenant' line; a dataset has one tenant column") }
            guard arguments.count == 1, Identifier.isColumnName(arguments[0]) else {
                throw file.error(line, "expected 'tenant COLUMN' with a lower-case SQL name such as tenant")
            }
            tenant = (String(arguments[0]), line)
        case "key":
            guard key == nil else { throw file.error(line, "a second 'key' line; list every key column on one line") }
            guard !arguments.isEmpty else { throw file.error(line, "expected 'key COLUMN, COLUMN…' naming the natural key") }
            for argument in arguments where !Identifier.isColumnName(argument) {
                throw file.error(line, "'\(argument)' is not a column name: use lower-case letters, digits and '_'")
            }
            key = (arguments.map(String.init), line)
        case "column":
            columns.append((try column(arguments, line: line), line))
        default:
            throw file.error(line, "unknown directive '\(directive)'; a line starts with table, tenant, key or column")
        }
    }

    private func column(_ arguments: [Substring], line: Int) throws(CatalogueFileError) -> DatasetColumn {
        guard arguments.count == 3 else {
            throw file.error(line, "expected 'column NAME TYPE required|optional', e.g. 'column sku text(64) required'")
        }
        let name = arguments[0]
        guard Identifier.isColumnName(name) else {
            throw file.error(line, "'\(name)' is not a column name: use lower-case letters, digits and '_', starting with a letter or '_'")
        }
        guard let type = ColumnType(spelling: arguments[1]) else {
            throw file.error(line, "unknown type '\(arguments[1])' for column '\(name)'; use one of \(ColumnType.spellings)")
        }
        let isRequired: Bool
        switch arguments[2] {
        case "required": isRequired = true
        case "optional": isRequired = false
        default: throw file.error(line, "column '\(name)' must be 'required' or 'optional', not '\(arguments[2])'")
        }
        return DatasetColumn(name: String(name), type: type, isRequired: isRequired)
    }

    private func dataset(named name: String) throws(CatalogueFileError) -> Dataset {
        guard let table else { throw file.error(nil, "no 'table' line; add one naming the target table, e.g. 'table \(name)'") }
        guard let tenant else { throw file.error(nil, "no 'tenant' line; add one naming the column that holds the tenant") }
        guard let key else { throw file.error(nil, "no 'key' line; add one naming the natural key, e.g. 'key tenant, sku'") }
        guard !columns.isEmpty else { throw file.error(nil, "no 'column' lines; a dataset needs at least one field") }
        var seen: Set<String> = [tenant.name]
        for (column, line) in columns {
            guard seen.insert(column.name).inserted else {
                throw file.error(
                    line,
                    column.name == tenant.name
                        ? "'\(column.name)' is the tenant column, which the intake fills from the request: remove this line"
                        : "column '\(column.name)' is declared twice"
                )
            }
        }
        var keyColumns: Set<String> = []
        for name in key.columns {
            guard keyColumns.insert(name).inserted else { throw file.error(key.line, "key column '\(name)' is listed twice") }
            if name == tenant.name { continue }
            guard let column = columns.first(where: { $0.column.name == name })?.column else {
                throw file.error(key.line, "key column '\(name)' is neither a declared column nor the tenant column")
            }
            guard column.isRequired else {
                throw file.error(key.line, "key column '\(name)' must be required: a row without a key could never match an existing one")
            }
        }
        guard keyColumns.subtracting([tenant.name]).count > 0 else {
            throw file.error(key.line, "the key needs at least one column besides the tenant column")
        }
        return Dataset(name: name, table: table.name, tenantColumn: tenant.name, columns: columns.map(\.column), key: key.columns)
    }
}
