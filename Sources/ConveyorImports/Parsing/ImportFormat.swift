/// The body formats an import accepts, by `Content-Type`.
public enum ImportFormat: Sendable, Equatable {
    /// `application/x-ndjson`: one JSON object per line.
    case ndjson
    /// `text/csv`: RFC 4180, a header row naming the fields, then one record per row.
    case csv
    /// `application/json`: one array of objects.
    case jsonArray

    /// The accepted content types, for error messages.
    static let contentTypes = "application/x-ndjson, text/csv or application/json (an array of objects)"

    /// The format for a `Content-Type` header value; parameters such as `; charset=utf-8` are
    /// ignored, and so is case. Nil for any other type.
    public init?(contentType: String) {
        // A media type has no spaces, so dropping them all trims it.
        let mediaType = contentType.prefix { $0 != ";" }.filter { !$0.isWhitespace }.lowercased()
        switch mediaType {
        case "application/x-ndjson", "application/ndjson", "application/jsonl": self = .ndjson
        case "text/csv": self = .csv
        case "application/json": self = .jsonArray
        default: return nil
        }
    }

    /// The format's name, for messages.
    var name: String {
        switch self {
        case .ndjson: "NDJSON"
        case .csv: "CSV"
        case .jsonArray: "JSON"
        }
    }

    /// A scanner that finds the rows of a body in this format.
    func scanner(for names: FieldNames) -> any RowScanner {
        switch self {
        case .ndjson: NDJSONScanner(names: names)
        case .csv: CSVScanner(names: names)
        case .jsonArray: JSONArrayScanner(names: names)
        }
    }
}
