/// A cron expression that does not parse: which field, and what to write instead.
public struct CronSyntaxError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
