import CHiredis

extension RESPValue {
    /// Copies a hiredis reply, which the caller still owns and frees.
    init(_ reply: UnsafePointer<redisReply>) throws(RedisError) {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            self = .bulkString(Array(UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_STATUS:
            self = .simpleString(Self.text(of: reply))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(of: reply))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(reply.integer))
        case REDIS_REPLY_NIL:
            self = .null
        case REDIS_REPLY_ARRAY:
            var elements: [RESPValue] = []
            elements.reserveCapacity(reply.elements)
            for index in 0..<reply.elements {
                elements.append(try RESPValue(reply.element[index]!))
            }
            self = .array(elements)
        default:
            throw RedisError(kind: .protocol, message: "hiredis returned a reply of unknown type \(reply.type)")
        }
    }

    private static func text(of reply: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self)
    }
}
