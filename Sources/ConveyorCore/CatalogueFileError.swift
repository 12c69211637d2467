/// A catalogue file of `jobs/` (a dataset, an export, a cached value, a schedule) that does not describe what it
/// should: names the file, the line when there is one, and what to change.
public struct CatalogueFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, as the catalogue was given it (e.g. `jobs/datasets/products.dataset`).
    public let file: String
    /// The 1-based line at fault; nil when the problem is something missing from the whole file.
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}
