/// One Redis command, encoded to its RESP bytes when created, so that a pipeline of thousands of
/// commands is encoded once, off the connection's thread, with no C string per argument.
public struct RedisCommand: Sendable {
    /// The command in the RESP wire form, ready for `redisAppendFormattedCommand`.
    let encoded: [UInt8]

    /// Creates the command `name` with `arguments`, such as `RedisCommand("SET", ["key", .bytes(data)])`.
    public init(_ name: String, _ arguments: [RedisArgument]) {
        let estimatedSize = arguments.reduce(name.utf8.count + 16) { $0 + RESPEncoder.estimatedSize(of: $1) }
        var encoder = RESPEncoder(argumentCount: arguments.count + 1, estimatedSize: estimatedSize)
        encoder.append(name)
        for argument in arguments {
            encoder.append(argument)
        }
        self.encoded = encoder.bytes
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
    }
}
