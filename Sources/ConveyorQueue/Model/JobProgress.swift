public import ConveyorCore

/// How far an attempt says its work has come: `done` of `total` units, and a short message.
/// A running attempt reports it through `JobContext.progress`; it is kept in the job's hash
/// (`progress.lua`) and read with the job for as long as the job is retained, so a finished
/// job shows its last progress.
public struct JobProgress: Sendable, Equatable {
    public var done: Int
    public var total: Int
    public var message: String
    /// The attempt that reported it; 0 for a report not written yet.
    public var attempt: Int
    /// When it was written, on the Redis clock; nil for a report not written yet.
    public var updatedAt: Timestamp?

    /// The most bytes (UTF-8) a message may have.
    public static let messageLimit = 200

    /// A report of `done` of `total` units.
    /// - Throws: ``InvalidValue`` when `total` is less than 1, `done` is outside `0...total`, or
    ///   `message` is longer than ``messageLimit`` bytes.
    public init(done: Int, of total: Int, message: String = "") throws(InvalidValue) {
        guard total >= 1 else { throw InvalidValue("the total \(total) is less than 1") }
        guard (0...total).contains(done) else { throw InvalidValue("done \(done) is outside 0...\(total), the total") }
        guard message.utf8.count <= Self.messageLimit else {
            throw InvalidValue("the message has \(message.utf8.count) bytes, more than \(Self.messageLimit)")
        }
        self.done = done
        self.total = total
        self.message = message
        self.attempt = 0
        self.updatedAt = nil
    }

    /// A report as `progress.lua` packs it: "<done> <total> <attempt> <updated_at> <message>".
    init?(packed: String) {
        let parts = packed.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, let done = Int(parts[0]), let total = Int(parts[1]), let attempt = Int(parts[2]),
            let updated = Int64(parts[3])
        else { return nil }
        self.done = done
        self.total = total
        self.message = String(parts[4])
        self.attempt = attempt
        self.updatedAt = Timestamp(microseconds: updated)
    }

    /// Why a report was refused.
    public struct InvalidValue: Error, Sendable, CustomStringConvertible {
        public var reason: String

        init(_ reason: String) {
            self.reason = reason
        }

        public var description: String { "invalid progress: \(reason)" }
    }
}

extension JobProgress: Encodable {
    private enum CodingKeys: String, CodingKey {
        case done, total, message, attempt
        case updatedAt = "updated_at"
    }

    /// The time as RFC 3339 text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(done, forKey: .done)
        try container.encode(total, forKey: .total)
        try container.encode(message, forKey: .message)
        try container.encode(attempt, forKey: .attempt)
        try container.encodeIfPresent(updatedAt?.description, forKey: .updatedAt)
    }
}
