/// One argument of a Redis command, sent binary-safe as a bulk string.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// Text, sent as its UTF-8 bytes.
    case string(String)
    /// Raw bytes, sent unchanged (they may hold `\0` or `\r\n`).
    case bytes([UInt8])
    /// An integer, sent in decimal.
    case integer(Int)
    /// A floating-point number, sent in the shortest decimal form that reads back to the same value
    /// (`inf` and `-inf` included, which sorted-set commands accept).
    case double(Double)

    /// Creates a `.string` argument, as in `RedisCommand("GET", "key")`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }

    /// Creates an `.integer` argument, as in `RedisCommand("EXPIRE", "key", 60)`.
    public init(integerLiteral value: Int) {
        self = .integer(value)
    }
}
