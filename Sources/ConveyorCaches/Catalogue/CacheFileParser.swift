import ConveyorCore
import ConveyorExternal
import ConveyorPostgres

/// Reads one cached value's file, `jobs/caches/NAME.sql`: a header of `--` comment lines,
/// then the query.
///
/// ```sql
/// -- The figures of the dashboard, for one tenant.
/// -- ttl 5m
/// -- result row
/// SELECT count(*) AS products FROM products WHERE tenant = :tenant
/// ```
///
/// In the header, `ttl` (required) is how long a computed value is served: a whole number
/// with `s`, `m`, `h` or `d`, from 1 s to 30 days. `result` (optional) is `row`, the
/// default, for a query that returns exactly one row, whose value is an object with a
/// member per column, or `rows` for an array of such objects. Every other header line is
/// the value's description. The query (one statement, a final `;` allowed) must use
/// `:tenant`, the tenant the value is computed for. The value is named after the file.
///
/// `source` (optional) is a URL whose JSON document the query shapes: each refresh GETs
/// it through the circuit-breaking client and passes the body as the text parameter
/// `:source`, which the query must then use (casting it, `:source::jsonb`); a query
/// without a source takes `:tenant` alone. The URL may contain `${VARIABLE:-default}`
/// references, resolved against the environment when the file is read, and must then be
/// an absolute http or https URL.
///
/// ```sql
/// -- ttl 1h
/// -- source ${RATES_URL:-https://rates.example.com/latest}
/// SELECT doc->'rates' AS rates FROM (SELECT :source::jsonb AS doc) AS s WHERE :tenant IS NOT NULL
/// ```
struct CacheFileParser {
    static let fileExtension = ".sql"
    /// The longest TTL: a value older than a month is not a cache any more.
    static let maximumTTL = Duration.seconds(30 * 86_400)

    private let file: CatalogueFile
    /// Where `${VARIABLE}` references of a source URL are looked up.
    private let environment: [String: String]

    /// The value `contents` describe, named after the file at `path`.
    static func parse(path: String, contents: [UInt8], environment: [String: String]) throws(CatalogueFileError) -> CachedValue {
        let file = try CatalogueFile(path: path, contents: contents, fileExtension: fileExtension, fileName: "a cached value's file name")
        try file.requireValidName(for: "a cached value")
        return try CacheFileParser(file: file, environment: environment).value(try file.header(blank: .whitespace))
    }

    private func value(_ header: CatalogueHeader) throws(CatalogueFileError) -> CachedValue {
        var description: [String] = []
        var ttl: (value: Duration, line: Int)?
        var shape: (value: CacheResultShape, line: Int)?
        var source: (value: CacheSource, line: Int)?
        for comment in header.comments {
            let (word, argument) = comment.directive(argumentTrimmedOf: .whitespace)
            switch word {
            case "ttl":
                if let earlier = ttl { throw file.error(comment.number, "a second 'ttl' line (the first is line \(earlier.line))") }
                ttl = (try parseTTL(String(argument), line: comment.number), comment.number)
            case "result":
                if let earlier = shape { throw file.error(comment.number, "a second 'result' line (the first is line \(earlier.line))") }
                guard let value = CacheResultShape(rawValue: String(argument)) else {
                    throw file.error(comment.number, "'result' must be row (one row, an object) or rows (an array of objects), not '\(argument)'")
                }
                shape = (value, comment.number)
            case "source":
                if let earlier = source { throw file.error(comment.number, "a second 'source' line (the first is line \(earlier.line))") }
                source = (try parseSource(String(argument), line: comment.number), comment.number)
            default:
                description.append(String(comment.text))
            }
        }
        guard let ttl else { throw file.error(nil, "no '-- ttl' line in the header; add one such as '-- ttl 5m'") }
        let query = try querySQL(header.body, firstLine: header.bodyLine, hasSource: source != nil)
        return CachedValue(
            name: file.name, summary: description.joined(separator: " "), ttl: ttl.value,
            query: CacheQuery(sql: query, shape: shape?.value ?? .row), source: source?.value, file: file.path
        )
    }

    /// `30s`, `5m`, `2h`, `1d`.
    private func parseTTL(_ text: String, line: Int) throws(CatalogueFileError) -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0,
            count <= Self.maximumTTL.components.seconds / unit
        else {
            throw file.error(line, "'ttl' must be a whole number with s, m, h or d, from 1s to 30d, such as 5m; not '\(text)'")
        }
        return .seconds(count * unit)
    }

    /// The URL of a `source` line, its references resolved.
    private func parseSource(_ text: String, line: Int) throws(CatalogueFileError) -> CacheSource {
        guard !text.isEmpty else {
            throw file.error(line, "'source' needs the URL of a JSON document, such as '-- source ${RATES_URL:-https://rates.example.com/latest}'")
        }
        let resolved: (text: String, variables: [String])
        do {
            resolved = try EnvironmentReferences.resolve(text, in: environment)
        } catch {
            throw file.error(line, "in 'source': \(error.message)")
        }
        do {
            return CacheSource(template: text, url: try ExternalURL(resolved.text))
        } catch {
            let origin = resolved.variables.isEmpty ? "" : " (resolved from \(resolved.variables.joined(separator: ", ")))"
            throw file.error(line, "'source' must be an absolute http or https URL\(origin): \(error)")
        }
    }

    /// The query `body`, whose first line is `firstLine` of the file, with `:tenant` as `$1`
    /// and, in a value with a source, `:source` as `$2`.
    private func querySQL(_ body: Substring, firstLine: Int, hasSource: Bool) throws(CatalogueFileError) -> String {
        var body = CatalogueBlank.whitespace.trimming(body)
        if body.hasSuffix(";") { body = CatalogueBlank.whitespace.trimming(body.dropLast()) }
        guard !body.isEmpty else {
            throw file.error(nil, "no query after the header; write the SELECT whose result is the value")
        }
        let template: SQLTemplate
        do {
            template = try SQLTemplate(String(body))
        } catch {
            throw file.error(firstLine + error.line - 1, error.message)
        }
        if let numbered = template.numberedParameters.first {
            throw file.error(firstLine + numbered.line - 1, "write parameters by name (:tenant), not by number (\(numbered.text))")
        }
        let positions = hasSource ? ["tenant": 1, "source": 2] : ["tenant": 1]
        for case .placeholder(let name, let line) in template.pieces where positions[name] == nil {
            let known = positions.keys.sorted().map { ":\($0)" }.joined(separator: ", ")
            throw file.error(firstLine + line - 1, "unknown parameter ':\(name)'; a cache query takes \(known)")
        }
        let used = Set(template.placeholderNames)
        guard used.contains("tenant") else {
            throw file.error(nil, "the query never uses :tenant; filter its rows by the tenant the value is computed for")
        }
        guard !hasSource || used.contains("source") else {
            throw file.error(nil, "the query never uses :source, the document of the 'source' line; shape it, as in SELECT :source::jsonb->'field'")
        }
        return template.render { name in "$\(positions[name]!)" }
    }
}
