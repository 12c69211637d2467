import ConveyorRedis
import Hummingbird

/// The answer to the first request made with an idempotency key, as kept in Redis and
/// given again to every repeat of that request.
struct StoredResponse: Sendable, Equatable {
    /// SHA-256 of the request's method, path, query and body, in hex: a repeat must match it.
    var fingerprint: String
    var status: Int
    var contentType: String?
    var location: String?
    var body: [UInt8]

    /// The fields of its Redis hash, names and values in turn.
    var fields: [RedisArgument] {
        var fields: [RedisArgument] = ["state", "done", "fingerprint", .string(fingerprint), "status", .integer(status), "body", .bytes(body)]
        if let contentType { fields += ["content_type", .string(contentType)] }
        if let location { fields += ["location", .string(location)] }
        return fields
    }

    /// Reads a stored answer from its hash's fields; nil unless it is complete.
    init?(fields: [String: [UInt8]]) {
        func text(_ name: String) -> String? { fields[name].map { String(decoding: $0, as: UTF8.self) } }
        guard text("state") == "done", let fingerprint = text("fingerprint"), let status = text("status").flatMap(Int.init),
            let body = fields["body"]
        else { return nil }
        self.init(fingerprint: fingerprint, status: status, contentType: text("content_type"), location: text("location"), body: body)
    }

    init(fingerprint: String, status: Int, contentType: String?, location: String?, body: [UInt8]) {
        self.fingerprint = fingerprint
        self.status = status
        self.contentType = contentType
        self.location = location
        self.body = body
    }

    /// The answer again, marked as a repeat with `Idempotent-Replayed: true`.
    var replay: Response {
        var headers: HTTPFields = [.idempotentReplayed: "true", .contentLength: String(body.count)]
        if let contentType { headers[.contentType] = contentType }
        if let location { headers[.location] = location }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
