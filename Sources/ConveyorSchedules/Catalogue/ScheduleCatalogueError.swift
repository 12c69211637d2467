/// A schedule file that does not describe a valid schedule: names the file, the line when
/// there is one, and what to change.
public struct ScheduleCatalogueError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, as the catalogue was given it (e.g. `jobs/schedules/inventory-export.schedule`).
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
