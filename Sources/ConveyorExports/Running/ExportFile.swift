/// A finished export file, as its record describes it.
public struct ExportFile: Sendable, Equatable {
    /// In the export file store.
    public let fileName: String
    /// Data rows (the CSV header is not one).
    public let rows: Int
    public let bytes: Int
    /// Of the file's bytes, 64 lower-case hexadecimal digits.
    public let sha256: String
}
