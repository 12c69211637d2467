import ConveyorCore
/// What a producer asked of a job, packed into the single `spec` field of its hash:
/// written once at enqueue and returned whole by reserve, so neither script handles
/// these fields one by one.
///
/// The packing is one value per line — max_attempts, timeout_ms, kind, request_id,
/// tenant — then the payload, which alone may hold line breaks. max_attempts comes first
/// so that the scripts that bury a job can read it.
struct JobSpec: Sendable, Equatable {
    var kind: String
    var payload: String
    var maxAttempts: Int
    var timeoutMilliseconds: Int64
    var requestID: String
    var tenant: String

    init(kind: String, payload: String, maxAttempts: Int, timeoutMilliseconds: Int64, requestID: String, tenant: String) {
        self.kind = kind
        self.payload = payload
        self.maxAttempts = maxAttempts
        self.timeoutMilliseconds = timeoutMilliseconds
        self.requestID = requestID
        self.tenant = tenant
    }

    init(_ request: JobRequest) {
        self.init(
            kind: request.kind, payload: request.payload, maxAttempts: request.maxAttempts,
            timeoutMilliseconds: request.timeout.microseconds / 1000, requestID: request.requestID, tenant: request.tenant
        )
    }

    /// The text stored in Redis.
    var packed: String {
        "\(maxAttempts)\n\(timeoutMilliseconds)\n\(kind)\n\(requestID)\n\(tenant)\n\(payload)"
    }

    /// Unpacks a stored spec; `nil` when the text is not one.
    init?(packed: String) {
        let utf8 = packed.utf8
        var lines: [Substring.UTF8View] = []
        lines.reserveCapacity(5)
        var start = utf8.startIndex
        var index = start
        while lines.count < 5, index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\n") {
                lines.append(utf8[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        guard lines.count == 5, let maxAttempts = Int(Substring(lines[0])), let timeout = Int64(Substring(lines[1])) else {
            return nil
        }
        self.init(
            kind: String(Substring(lines[2])), payload: String(Substring(utf8[start...])), maxAttempts: maxAttempts,
            timeoutMilliseconds: timeout, requestID: String(Substring(lines[3])), tenant: String(Substring(lines[4]))
        )
    }

    /// The name of a field that cannot be packed because it holds a line break.
    static func unpackableField(of request: JobRequest) -> String? {
        func hasLineBreak(_ text: String) -> Bool {
            text.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: "\n")) } ?? text.utf8.contains(UInt8(ascii: "\n"))
        }
        if hasLineBreak(request.kind) { return "kind" }
        if hasLineBreak(request.requestID) { return "request_id" }
        if hasLineBreak(request.tenant) { return "tenant" }
        return nil
    }
}
