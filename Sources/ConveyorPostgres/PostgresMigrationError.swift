/// Why migrations cannot be applied, naming the file at fault.
public struct PostgresMigrationError: Error, CustomStringConvertible, Sendable {
    /// The broad reason.
    public struct Kind: Hashable, Sendable {
        private enum Base: Hashable, Sendable {
            case unreadable
            case duplicateName
            case changedSinceApplied
            case failed
        }

        private let base: Base

        /// A migrations directory or file could not be read.
        public static let unreadable = Kind(base: .unreadable)
        /// Two migrations, embedded or in folders, have the same name.
        public static let duplicateName = Kind(base: .duplicateName)
        /// A migration's file differs from the one applied before; migrations must not be edited once applied.
        public static let changedSinceApplied = Kind(base: .changedSinceApplied)
        /// PostgreSQL refused the migration; it was rolled back.
        public static let failed = Kind(base: .failed)
    }

    public var kind: Kind
    /// The path of the file or directory concerned.
    public var file: String
    /// What is wrong, in words.
    public var message: String
    /// The server's error, for a failed migration.
    public var underlying: PostgresError?

    /// Creates an error about `file`.
    public init(kind: Kind, file: String, message: String, underlying: PostgresError? = nil) {
        self.kind = kind
        self.file = file
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "migration \(self.file): \(self.message)"
    }
}
