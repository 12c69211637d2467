/// A reply from Redis, in the RESP2 types.
public enum RESPValue: Sendable, Hashable {
    /// A null bulk string or null array, such as the reply of `GET` on a missing key.
    case null
    /// A status reply such as `OK` or `PONG`.
    case simpleString(String)
    /// An integer reply.
    case integer(Int)
    /// A binary-safe bulk string.
    case bulkString([UInt8])
    /// An array reply; its elements may be of any type, arrays included.
    case array([RESPValue])
    /// An error reply such as `ERR unknown command`; only pipelines return these as values, other calls throw them.
    case error(String)

    /// The text of a simple or bulk string, decoded as UTF-8 (invalid sequences become U+FFFD).
    public var string: String? {
        switch self {
        case .simpleString(let string):
            return string
        case .bulkString(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        default:
            return nil
        }
    }

    /// The bytes of a simple or bulk string.
    public var bytes: [UInt8]? {
        switch self {
        case .simpleString(let string):
            return Array(string.utf8)
        case .bulkString(let bytes):
            return bytes
        default:
            return nil
        }
    }

    /// An integer reply, or a simple or bulk string holding a decimal integer (as `GET` of a counter returns).
    public var int: Int? {
        switch self {
        case .integer(let value):
            return value
        case .simpleString(let string):
            return Int(string)
        case .bulkString(let bytes):
            return Self.parseInteger(bytes)
        default:
            return nil
        }
    }

    /// The elements of an array reply.
    public var array: [RESPValue]? {
        if case .array(let elements) = self {
            return elements
        }
        return nil
    }

    /// Whether this is the null reply.
    public var isNull: Bool {
        self == .null
    }

    /// The value, unless it is an error reply, which is thrown as ``RedisError`` of kind `.server`:
    /// for the replies of a pipeline, which holds them as values.
    public func throwingServerError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self {
            throw RedisError(kind: .server, message: message)
        }
        return self
    }

    /// Parses a decimal integer straight from the bytes, sparing the `String` that `Int(_:)` would need.
    private static func parseInteger(_ bytes: [UInt8]) -> Int? {
        var digits = bytes[...]
        let isNegative = digits.first == UInt8(ascii: "-")
        if isNegative || digits.first == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else {
            return nil
        }
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                return nil
            }
            let digit = Int(byte &- UInt8(ascii: "0"))
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
            let (next, addOverflow) = isNegative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            guard !shiftOverflow, !addOverflow else {
                return nil
            }
            value = next
        }
        return value
    }
}
