import ConveyorCore
import ConveyorPostgres

/// Reads one export file: a header of `--` comment lines, then the query.
///
/// ```
/// -- Products per category: how many, units in stock and their value.
/// -- param category text optional
/// SELECT category, count(*) AS products
/// FROM products
/// WHERE tenant = :tenant AND (:category IS NULL OR category = :category)
/// GROUP BY category ORDER BY category
/// ```
///
/// The header's first lines describe the export; the directive lines after them declare
/// its parameters, `-- param NAME TYPE required|optional` with a type of
/// ``ParameterType/spellings``. The query must use `:tenant`, may use each declared
/// parameter as `:NAME`, and must use every one it declares. The export is named after the file.
struct ExportFileParser {
    static let fileExtension = ".sql"
    /// What a header line and the query are trimmed of.
    static let blank = CatalogueBlank.characters([" ", "\t", "\r", "\n"])

    private let file: CatalogueFile

    /// The export `contents` describe, named after the file at `path`.
    static func parse(path: String, contents: [UInt8]) throws(CatalogueFileError) -> ExportDefinition {
        let file = try CatalogueFile(path: path, contents: contents, fileExtension: fileExtension, fileName: "an export file's name")
        try file.requireValidName(for: "an export")
        return try ExportFileParser(file: file).export(try file.header(blank: blank))
    }

    private func export(_ header: CatalogueHeader) throws(CatalogueFileError) -> ExportDefinition {
        var description: [String] = []
        var parameters: [ExportParameter] = []
        for comment in header.comments {
            let words = comment.words(separatedBy: [" ", "\t"])
            if words.first == "param" {
                let parameter = try self.parameter(Array(words.dropFirst()), line: comment.number)
                guard !parameters.contains(where: { $0.name == parameter.name }) else {
                    throw file.error(comment.number, "a second 'param \(parameter.name)' line; declare each parameter once")
                }
                parameters.append(parameter)
            } else if parameters.isEmpty {
                description.append(String(comment.text))
            } else {
                throw file.error(comment.number, "unknown directive '\(words[0])' after the parameters; a header line there is '-- param NAME TYPE required|optional'")
            }
        }
        guard !description.isEmpty else {
            throw file.error(1, "no description: start the file with '-- ' lines that say what the export holds")
        }
        let query = try self.query(header.body, firstLine: header.bodyLine)
        try check(query, parameters: parameters, firstLine: header.bodyLine)
        return ExportDefinition(name: file.name, description: description.joined(separator: " "), parameters: parameters, query: query)
    }

    private func parameter(_ words: [Substring], line: Int) throws(CatalogueFileError) -> ExportParameter {
        guard words.count == 3 else {
            throw file.error(line, "expected '-- param NAME TYPE required|optional', e.g. '-- param since timestamptz optional'")
        }
        let name = words[0]
        guard name.first.map({ $0.isASCII && ($0.isLowercase || $0 == "_") }) == true,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }), name.count <= 63
        else {
            throw file.error(line, "'\(name)' cannot name a parameter: use lower-case letters, digits and '_', starting with a letter or '_'")
        }
        guard name != ExportDefinition.tenantPlaceholder else {
            throw file.error(line, "'tenant' is not a parameter: :tenant is always the caller's tenant")
        }
        guard let type = ParameterType(rawValue: String(words[1])) else {
            throw file.error(line, "unknown type '\(words[1])' for parameter '\(name)'; use one of \(ParameterType.spellings)")
        }
        switch words[2] {
        case "required": return ExportParameter(name: String(name), type: type, isRequired: true)
        case "optional": return ExportParameter(name: String(name), type: type, isRequired: false)
        default: throw file.error(line, "parameter '\(name)' must be 'required' or 'optional', not '\(words[2])'")
        }
    }

    /// The query text, without a trailing `;` (COPY wraps it in parentheses).
    private func query(_ body: Substring, firstLine: Int) throws(CatalogueFileError) -> SQLTemplate {
        var text = Self.blank.trimming(body)
        while text.hasSuffix(";") { text = Self.blank.trimming(text.dropLast()) }
        guard !text.isEmpty else { throw file.error(nil, "no query: after the header comes the SELECT the export runs") }
        do {
            return try SQLTemplate(String(text))
        } catch {
            throw file.error(firstLine + error.line - 1, error.message)
        }
    }

    private func check(_ query: SQLTemplate, parameters: [ExportParameter], firstLine: Int) throws(CatalogueFileError) {
        var usesTenant = false
        for case .placeholder(let name, let line) in query.pieces {
            if name == ExportDefinition.tenantPlaceholder {
                usesTenant = true
            } else if !parameters.contains(where: { $0.name == name }) {
                throw file.error(firstLine + line - 1, ":\(name) is not a declared parameter: add '-- param \(name) TYPE required|optional' to the header")
            }
        }
        guard usesTenant else {
            throw file.error(nil, "the query does not use :tenant; every export must filter its rows by the caller's tenant")
        }
        let used = Set(query.placeholderNames)
        for parameter in parameters where !used.contains(parameter.name) {
            throw file.error(nil, "parameter '\(parameter.name)' is declared but the query never uses :\(parameter.name)")
        }
    }

}
