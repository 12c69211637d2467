/// The name of a queue: 1 to 64 characters of `a-z`, `0-9`, `_` and `-`, starting with a
/// letter or digit. It appears in Redis keys as the hash tag `{name}` and in job ids.
public struct QueueName: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The name as written.
    public let rawValue: String

    /// The queue jobs go to when the request names none.
    public static let `default` = QueueName(unchecked: "default")

    /// Validates a queue name.
    /// - Throws: ``QueueError/invalidQueueName(_:)`` saying which characters are allowed.
    public init(_ rawValue: String) throws(QueueError) {
        guard Self.isValid(rawValue) else { throw .invalidQueueName(rawValue) }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count), let first = bytes.first, first != UInt8(ascii: "_"), first != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: QueueName, rhs: QueueName) -> Bool { lhs.rawValue < rhs.rawValue }
}
