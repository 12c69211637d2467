/// The file format of an export.
public enum ExportFormat: String, Sendable, CaseIterable, Codable {
    /// `COPY … WITH CSV HEADER`: a header line of column names, then one line per row.
    case csv
    /// An array of objects, one per row, keyed by column name, with JSON's types.
    case json

    /// The formats, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: " or ")

    public var fileExtension: String { rawValue }

    /// The `Content-Type` the file is served with.
    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json"
        }
    }
}
