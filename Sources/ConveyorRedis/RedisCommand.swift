/// One Redis command, encoded to its RESP bytes when created, so that a pipeline of thousands of
/// commands is encoded once, off the connection's thread, with no C string per argument.
public struct RedisCommand: Sendable {
    /// The command in the RESP wire form, ready for `redisAppendFormattedCommand`.
    let encoded: [UInt8]
    /// The key whose slot decides which master of a Redis Cluster serves the command: its first;
    /// nil for a command of no key, which any master serves. Keys are text (a `.bytes` key is read as UTF-8).
    let routingKey: String?

    /// Creates the command `name` with `arguments`, such as `RedisCommand("SET", ["key", .bytes(data)])`.
    public init(_ name: String, _ arguments: [RedisArgument]) {
        let estimatedSize = arguments.reduce(name.utf8.count + 16) { $0 + RESPEncoder.estimatedSize(of: $1) }
        var encoder = RESPEncoder(argumentCount: arguments.count + 1, estimatedSize: estimatedSize)
        encoder.append(name)
        for argument in arguments {
            encoder.append(argument)
        }
        self.encoded = encoder.bytes
        self.routingKey = Self.firstKey(of: name, in: arguments)
    }

    /// Creates the command `name` with `arguments`, such as `RedisCommand("INCRBY", "counter", 5)`.
    public init(_ name: String, _ arguments: RedisArgument...) {
        self.init(name, arguments)
    }

    /// `EVALSHA sha1 numkeys key… argument…`, encoded without gathering keys and arguments into one array first.
    init(evaluating script: RedisScript, keys: [String], arguments: [RedisArgument]) {
        let estimatedSize = keys.reduce(64) { $0 + $1.utf8.count + 16 }
            + arguments.reduce(0) { $0 + RESPEncoder.estimatedSize(of: $1) }
        var encoder = RESPEncoder(argumentCount: 3 + keys.count + arguments.count, estimatedSize: estimatedSize)
        encoder.append("EVALSHA")
        encoder.append(script.sha1)
        encoder.append(.integer(keys.count))
        for key in keys {
            encoder.append(key)
        }
        for argument in arguments {
            encoder.append(argument)
        }
        self.encoded = encoder.bytes
        self.routingKey = keys.first
    }

    /// The first key of the command `name`: its first argument, the second for the commands whose
    /// first is a subcommand, none for those of no key.
    private static func firstKey(of name: String, in arguments: [RedisArgument]) -> String? {
        var name = name
        if name.utf8.contains(where: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) {
            name = name.uppercased()
        }
        guard !keylessCommands.contains(name) else {
            return nil
        }
        let position = subcommandFirst.contains(name) ? 1 : 0
        guard arguments.count > position else {
            return nil
        }
        switch arguments[position] {
        case .string(let key): return key
        case .bytes(let key): return String(decoding: key, as: UTF8.self)
        case .integer(let key): return String(key)
        case .double: return nil
        }
    }

    /// Commands whose arguments hold no key.
    private static let keylessCommands: Set<String> = [
        "ASKING", "AUTH", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DBSIZE", "DEBUG", "ECHO", "FLUSHALL", "FLUSHDB",
        "HELLO", "INFO", "LASTSAVE", "MULTI", "EXEC", "DISCARD", "PING", "PUBLISH", "READONLY", "READWRITE", "ROLE",
        "SCRIPT", "SELECT", "SENTINEL", "SUBSCRIBE", "TIME", "WAIT", "WAITAOF",
    ]

    /// Commands whose first argument is a subcommand and whose second is the key.
    private static let subcommandFirst: Set<String> = ["MEMORY", "OBJECT", "XINFO", "XGROUP"]
}
