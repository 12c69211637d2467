/// An error from the Redis client: the server could not be reached, the connection broke, a reply
/// was late, or the server answered with an error reply.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in the terms a caller decides on: retry, give up, or report.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case connectionFailed, connectionLost, timeout, server, `protocol`, shutdown, notReplicated
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The client could not connect to the server.
        public static let connectionFailed = Kind(.connectionFailed)
        /// The connection broke (I/O error or end of stream) while a command was in flight;
        /// the command may or may not have run.
        public static let connectionLost = Kind(.connectionLost)
        /// The server did not answer within the command timeout; the command may or may not have run.
        public static let timeout = Kind(.timeout)
        /// The server answered with an error reply; `message` holds its text.
        public static let server = Kind(.server)
        /// The server sent bytes that are not valid RESP.
        public static let `protocol` = Kind(.protocol)
        /// The client or connection was shut down before or during the call.
        public static let shutdown = Kind(.shutdown)
        /// The master ran the write, but fewer replicas than ``RedisDurability/replicated(replicas:timeout:)``
        /// asks for confirmed their copy in time: a failover now may lose it.
        public static let notReplicated = Kind(.notReplicated)

        /// The kind's name, such as `connectionLost`.
        public var description: String {
            self.base.rawValue
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// A sentence naming the cause; for `.server`, the error reply exactly as the server sent it.
    public var message: String

    /// Creates an error of the given kind.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether the same call may succeed if made again: the server could not be reached, the connection
    /// broke, the reply was late, or the server said it is temporarily unable to serve
    /// (`LOADING`, `BUSY`, `TRYAGAIN`, `MASTERDOWN`, `READONLY`, `UNBLOCKED`, `CLUSTERDOWN`), or no replica
    /// confirmed a write.
    ///
    /// A retry after `connectionLost` or `timeout` may run the command twice, so retry only what is idempotent.
    public var isRetryable: Bool {
        switch self.kind {
        case .connectionFailed, .connectionLost, .timeout, .notReplicated:
            return true
        case .server:
            let code = self.message.prefix { $0 != " " }
            return Self.transientServerErrorCodes.contains(code)
        default:
            return false
        }
    }

    /// Whether the server may no longer be the master: it could not be reached, the connection broke,
    /// or it answered as a replica does (`READONLY`, `UNBLOCKED` when a demotion ended a blocking call,
    /// `MASTERDOWN`).
    var suggestsAnotherMaster: Bool {
        switch self.kind {
        case .connectionFailed, .connectionLost:
            return true
        case .server:
            return Self.isReplicaAnswer(self.message)
        default:
            return false
        }
    }

    /// Whether an error reply is one a replica gives where a master would have served.
    static func isReplicaAnswer(_ message: String) -> Bool {
        let code = message.prefix { $0 != " " }
        return code == "READONLY" || code == "UNBLOCKED" || code == "MASTERDOWN"
    }

    /// The message, introduced as an error reply for `.server`.
    public var description: String {
        self.kind == .server ? "Redis replied with an error: \(self.message)" : self.message
    }

    private static let transientServerErrorCodes: Set<Substring> = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "UNBLOCKED", "CLUSTERDOWN"]

    static let clientShutDown = RedisError(kind: .shutdown, message: "the Redis client has been shut down")
    static let connectionClosed = RedisError(kind: .shutdown, message: "the blocking Redis connection has been closed")
}
