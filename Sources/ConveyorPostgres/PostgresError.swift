/// An error from the PostgreSQL client: a server error with its SQLSTATE and fields, or a failure of
/// the connection, the pool or the configuration.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, broadly; ``sqlState`` refines server errors.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case connectionFailed
            case connectionLost
            case serverUnresponsive
            case server
            case poolTimeout
            case shutdown
            case invalidUsage
        }

        private let base: Base

        /// The connection string or a pool setting is unusable.
        public static let invalidConfiguration = Kind(base: .invalidConfiguration)
        /// A new connection could not be opened.
        public static let connectionFailed = Kind(base: .connectionFailed)
        /// An open connection broke: the server closed it or the network failed.
        public static let connectionLost = Kind(base: .connectionLost)
        /// The server sent nothing for longer than ``PostgresConfiguration/replyTimeout`` (or
        /// ``PostgresConfiguration/commitTimeout`` for COMMIT and ROLLBACK), so the connection was
        /// taken for dead and closed; the statement may or may not have run.
        public static let serverUnresponsive = Kind(base: .serverUnresponsive)
        /// The server answered with an error; see ``PostgresError/sqlState``.
        public static let server = Kind(base: .server)
        /// No connection became free within the pool's acquire timeout.
        public static let poolTimeout = Kind(base: .poolTimeout)
        /// The pool is shutting down or shut down.
        public static let shutdown = Kind(base: .shutdown)
        /// The client was called in a way it does not support, such as a non-COPY statement given to `copyIn`.
        public static let invalidUsage = Kind(base: .invalidUsage)

        public var description: String { self.base.rawValue }
    }

    /// SQLSTATEs of server errors that a new attempt of the same work can overcome.
    private static let retryableSQLStates: Set<String> = [
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "57P01",  // admin_shutdown
        "57P03",  // cannot_connect_now
    ]

    public var kind: Kind
    /// The five-character SQLSTATE of a server error, such as `23505` for a unique violation.
    public var sqlState: String?
    /// The primary message: the server's, libpq's, or the client's own.
    public var message: String
    /// The server's detail line, if any.
    public var detail: String?
    /// The server's hint, if any.
    public var hint: String?
    /// Where the error happened, as the server reports it; for COPY it names the line, such as
    /// `COPY items, line 3, column quantity: "x"`.
    public var context: String?
    /// The 1-based character position in the statement text that the server blames, if any.
    public var position: Int?

    /// Creates an error; `sqlState` and the other fields come from the server.
    public init(
        kind: Kind,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        context: String? = nil,
        position: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.context = context
        self.position = position
    }

    /// Whether running the same work again, on a new connection if need be, may succeed: failed,
    /// lost or silent connections, pool timeouts, serialization failures, deadlocks, and server shutdowns.
    public var isRetryable: Bool {
        switch self.kind {
        case .connectionFailed, .connectionLost, .serverUnresponsive, .poolTimeout:
            return true
        default:
            return self.sqlState.map(PostgresError.retryableSQLStates.contains) ?? false
        }
    }

    /// The server refused a row because a unique index already has its key.
    public var isUniqueViolation: Bool { self.kind == .server && self.sqlState == "23505" }

    public var description: String {
        var text: String
        switch self.kind {
        case .server:
            text = "PostgreSQL error \(self.sqlState ?? "-"): \(self.message)"
        case .connectionLost:
            text = "lost the connection to PostgreSQL: \(self.message)"
        case .serverUnresponsive:
            text = "PostgreSQL stopped answering: \(self.message)"
        default:
            text = self.message
        }
        if let detail { text += " DETAIL: \(detail)" }
        if let hint { text += " HINT: \(hint)" }
        if let context { text += " CONTEXT: \(context)" }
        return text
    }

    static func shutdown() -> PostgresError {
        PostgresError(kind: .shutdown, message: "the PostgreSQL connection pool is shut down")
    }
}
