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

    let path: String
    let contents: [UInt8]

    func parse() throws(CatalogueFileError) -> ExportDefinition {
        let name = try exportName()
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw error(nil, "the file is not valid UTF-8")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var description: [String] = []
        var parameters: [ExportParameter] = []
        var queryStart = lines.count
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("--") else {
                queryStart = index
                break
            }
            let comment = trimmed.dropFirst(2).trimmingWhitespace()
            if comment.isEmpty { continue }
            let words = comment.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.first == "param" {
                let parameter = try self.parameter(Array(words.dropFirst()), line: index + 1)
                guard !parameters.contains(where: { $0.name == parameter.name }) else {
                    throw error(index + 1, "a second 'param \(parameter.name)' line; declare each parameter once")
                }
                parameters.append(parameter)
            } else if parameters.isEmpty {
                description.append(String(comment))
            } else {
                throw error(index + 1, "unknown directive '\(words[0])' after the parameters; a header line there is '-- param NAME TYPE required|optional'")
            }
        }
        guard !description.isEmpty else {
            throw error(1, "no description: start the file with '-- ' lines that say what the export holds")
        }
        let query = try self.query(lines[queryStart...], firstLine: queryStart + 1)
        try check(query, parameters: parameters, firstLine: queryStart + 1)
        return ExportDefinition(name: name, description: description.joined(separator: " "), parameters: parameters, query: query)
    }

    private func exportName() throws(CatalogueFileError) -> String {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        guard fileName.hasSuffix(Self.fileExtension) else {
            throw error(nil, "an export file's name must end in \(Self.fileExtension)")
        }
        let name = String(fileName.dropLast(Self.fileExtension.count))
        guard ExportCatalogue.isExportName(name) else {
            throw error(nil, "'\(name)' cannot name an export: use 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter")
        }
        return name
    }

    private func parameter(_ words: [Substring], line: Int) throws(CatalogueFileError) -> ExportParameter {
        guard words.count == 3 else {
            throw error(line, "expected '-- param NAME TYPE required|optional', e.g. '-- param since timestamptz optional'")
        }
        let name = words[0]
        guard name.first.map({ $0.isASCII && ($0.isLowercase || $0 == "_") }) == true,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }), name.count <= 63
        else {
            throw error(line, "'\(name)' cannot name a parameter: use lower-case letters, digits and '_', starting with a letter or '_'")
        }
        guard name != ExportDefinition.tenantPlaceholder else {
            throw error(line, "'tenant' is not a parameter: :tenant is always the caller's tenant")
        }
        guard let type = ParameterType(rawValue: String(words[1])) else {
            throw error(line, "unknown type '\(words[1])' for parameter '\(name)'; use one of \(ParameterType.spellings)")
        }
        switch words[2] {
        case "required": return ExportParameter(name: String(name), type: type, isRequired: true)
        case "optional": return ExportParameter(name: String(name), type: type, isRequired: false)
        default: throw error(line, "parameter '\(name)' must be 'required' or 'optional', not '\(words[2])'")
        }
    }

    /// The query text, without a trailing `;` (COPY wraps it in parentheses).
    private func query(_ lines: ArraySlice<Substring>, firstLine: Int) throws(CatalogueFileError) -> SQLTemplate {
        var text = lines.joined(separator: "\n").trimmingWhitespace()
        while text.hasSuffix(";") { text = text.dropLast().trimmingWhitespace() }
        guard !text.isEmpty else { throw error(nil, "no query: after the header comes the SELECT the export runs") }
        do {
            return try SQLTemplate(String(text))
        } catch {
            throw self.error(firstLine + error.line - 1, error.message)
        }
    }

    private func check(_ query: SQLTemplate, parameters: [ExportParameter], firstLine: Int) throws(CatalogueFileError) {
        var usesTenant = false
        for case .placeholder(let name, let line) in query.pieces {
            if name == ExportDefinition.tenantPlaceholder {
                usesTenant = true
            } else if !parameters.contains(where: { $0.name == name }) {
                throw error(firstLine + line - 1, ":\(name) is not a declared parameter: add '-- param \(name) TYPE required|optional' to the header")
            }
        }
        guard usesTenant else {
            throw error(nil, "the query does not use :tenant; every export must filter its rows by the caller's tenant")
        }
        let used = Set(query.placeholderNames)
        for parameter in parameters where !used.contains(parameter.name) {
            throw error(nil, "parameter '\(parameter.name)' is declared but the query never uses :\(parameter.name)")
        }
    }

    private func error(_ line: Int?, _ message: String) -> CatalogueFileError {
        CatalogueFileError(file: path, line: line, message: message)
    }
}

extension StringProtocol where SubSequence == Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let start = firstIndex(where: { !isSpace($0) }) ?? endIndex
        let end = lastIndex(where: { !isSpace($0) }).map(index(after:)) ?? start
        return self[start..<end]
    }
}
