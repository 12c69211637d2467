import ConveyorCore
/// What a producer asked of a job, packed into the single `spec` field of its hash:
/// written once at enqueue and returned whole by reserve, so neither script handles
/// these fields one by one.
///
/// The packing is one value per line — max_attempts, timeout_ms, kind, the origin,
/// tenant — then the payload, which alone may hold line breaks. max_attempts comes first
/// so that the scripts that bury a job can read it; after it, on the same line, come the
/// job's options that scripts act on, each a tab and `name=value` (``Options``), so that a
/// script finds them within the first line and a job without any is packed as before
/// they existed. The origin line is the request id, followed, when the job has either, by
/// a tab and the correlation id and a tab and the trace context.
struct JobSpec: Sendable, Equatable {
    /// What the scripts act on beyond the job's life: all absent for most jobs.
    struct Options: Sendable, Equatable {
        /// `r`: how long the job stays readable once it succeeded or was cancelled, when its
        /// kind keeps its jobs longer or shorter than the queue does.
        var retention: Duration?
        /// `d`: when the job is discarded if it has not started.
        var deadline: Timestamp?
        /// `u`: the unique lock the job took, its scope letter then its key (see ``JobUniqueness``).
        var uniqueLock: String?
        /// `b`: the batch the job belongs to, which its outcome is told to.
        var batch: String?

        var isEmpty: Bool { deadline == nil && !concernCompletion }
        /// Whether a completion acts on them (see complete.lua), which then reads the job's spec;
        /// a deadline is the worker's alone.
        var concernCompletion: Bool { retention != nil || uniqueLock != nil || batch != nil }
    }

    var options = Options()
    var kind: String
    var payload: String
    var maxAttempts: Int
    var timeoutMilliseconds: Int64
    var requestID: String
    var correlationID: String
    var traceContext: String
    var tenant: String

    init(
        kind: String, payload: String, maxAttempts: Int, timeoutMilliseconds: Int64, requestID: String, correlationID: String = "",
        traceContext: String = "", tenant: String
    ) {
        self.kind = kind
        self.payload = payload
        self.maxAttempts = maxAttempts
        self.timeoutMilliseconds = timeoutMilliseconds
        self.requestID = requestID
        self.correlationID = correlationID
        self.traceContext = traceContext
        self.tenant = tenant
    }

    /// The spec of `request`, in the trace `trace` when the request names none, kept for
    /// `retention` once finished when its kind has a retention of its own.
    init(_ request: JobRequest, trace: String = "", retention: Duration? = nil) {
        self.init(
            kind: request.kind, payload: request.payload, maxAttempts: request.maxAttempts,
            timeoutMilliseconds: request.timeout.microseconds / 1000, requestID: request.requestID,
            correlationID: request.correlationID, traceContext: request.traceContext.isEmpty ? trace : request.traceContext,
            tenant: request.tenant
        )
        options = Options(retention: retention, deadline: request.deadline, uniqueLock: request.uniqueness?.lock, batch: request.batch?.description)
    }

    /// The bytes stored in Redis, written into one buffer of their final size: a bulk enqueue
    /// packs a thousand.
    var packed: [UInt8] {
        let hasTrace = !correlationID.isEmpty || !traceContext.isEmpty
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            48 + kind.utf8.count + requestID.utf8.count + (hasTrace ? 2 + correlationID.utf8.count + traceContext.utf8.count : 0)
                + tenant.utf8.count + payload.utf8.count + (options.isEmpty ? 0 : 112)
        )
        let newline = UInt8(ascii: "\n"), tab = UInt8(ascii: "\t")
        func append(_ text: String, then separator: UInt8) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(separator)
        }
        bytes.append(contentsOf: String(maxAttempts).utf8)
        if !options.isEmpty {
            func option(_ name: String, _ value: String) {
                bytes.append(tab)
                bytes.append(contentsOf: name.utf8)
                bytes.append(UInt8(ascii: "="))
                bytes.append(contentsOf: value.utf8)
            }
            if let retention = options.retention { option("r", String(retention.microseconds)) }
            if let deadline = options.deadline { option("d", String(deadline.microseconds)) }
            if let lock = options.uniqueLock { option("u", lock) }
            if let batch = options.batch { option("b", batch) }
        }
        bytes.append(newline)
        append(String(timeoutMilliseconds), then: newline)
        append(kind, then: newline)
        if hasTrace {
            append(requestID, then: tab)
            append(correlationID, then: tab)
            append(traceContext, then: newline)
        } else {
            append(requestID, then: newline)
        }
        append(tenant, then: newline)
        bytes.append(contentsOf: payload.utf8)
        return bytes
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
        guard lines.count == 5 else { return nil }
        let first = lines[0]
        let optionsStart = first.firstIndex(of: UInt8(ascii: "\t")) ?? first.endIndex
        guard let maxAttempts = Int(Substring(first[..<optionsStart])), let timeout = Int64(Substring(lines[1])) else { return nil }
        let origin = Substring(lines[3]).split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        self.init(
            kind: String(Substring(lines[2])), payload: String(Substring(utf8[start...])), maxAttempts: maxAttempts,
            timeoutMilliseconds: timeout, requestID: String(origin[0]), correlationID: origin.count > 1 ? String(origin[1]) : "",
            traceContext: origin.count > 2 ? String(origin[2]) : "", tenant: String(Substring(lines[4]))
        )
        guard optionsStart < first.endIndex else { return }
        for option in Substring(first[optionsStart...]).split(separator: "\t") {
            guard let equals = option.firstIndex(of: "=") else { continue }
            let value = option[option.index(after: equals)...]
            switch option[..<equals] {
            case "r": options.retention = Int64(value).map { .microseconds($0) }
            case "d": options.deadline = Int64(value).map { Timestamp(microseconds: $0) }
            case "u": options.uniqueLock = String(value)
            case "b": options.batch = String(value)
            default: break
            }
        }
    }

    /// The name of a field that cannot be packed because it holds a line break, or a tab
    /// in a part of the origin line.
    static func unpackableField(of request: JobRequest) -> String? {
        // Byte comparisons rather than a set's lookup: a bulk enqueue checks every byte of
        // a thousand jobs' fields.
        func holds(_ text: String, tab: Bool) -> Bool {
            let found = { (byte: UInt8) in byte == UInt8(ascii: "\n") || (tab && byte == UInt8(ascii: "\t")) }
            return text.utf8.withContiguousStorageIfAvailable { $0.contains(where: found) } ?? text.utf8.contains(where: found)
        }
        if holds(request.kind, tab: false) { return "kind" }
        if holds(request.requestID, tab: true) { return "request_id" }
        if holds(request.correlationID, tab: true) { return "correlation_id" }
        if holds(request.traceContext, tab: true) { return "trace_context" }
        if holds(request.tenant, tab: false) { return "tenant" }
        return nil
    }
}
