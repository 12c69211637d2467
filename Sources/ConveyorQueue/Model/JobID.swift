import ConveyorCore
import Foundation

/// A job's identity: its queue and a ULID (time-ordered, 26 Crockford base-32 characters),
/// written `queue.ULID`. Carrying the queue lets any process find the job's keys, all of
/// which share the queue's hash tag, from the id alone.
public struct JobID: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The queue the job belongs to.
    public let queue: QueueName
    /// The whole id, `queue.ULID`: kept as written, since it is sent with every call about
    /// the job and logged with every attempt.
    public let description: String

    /// A new id in `queue`, ordered by creation time.
    public init(in queue: QueueName) {
        self.queue = queue
        self.description = "\(queue.rawValue).\(ULID.make())"
    }

    /// The id in `queue` whose ULID is made of the first 16 bytes of `digest` (a hash of
    /// what the job is, for a producer that cannot keep the id it sent): the same digest
    /// gives the same id, so a resend is created once. Such an id is not ordered by time.
    public init(in queue: QueueName, derivedFrom digest: [UInt8]) {
        self.queue = queue
        self.description = "\(queue.rawValue).\(ULID.make(bits: digest))"
    }

    /// Parses `queue.ULID`.
    /// - Throws: ``QueueError/invalidJobID(_:)`` when the text is not of that form.
    public init(_ text: String) throws(QueueError) {
        let utf8 = text.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")), ULID.isValid(utf8[utf8.index(after: dot)...]) else {
            throw .invalidJobID(text)
        }
        let queuePart = String(text[..<dot])
        guard QueueName.isValid(queuePart) else { throw .invalidJobID(text) }
        self.queue = QueueName(unchecked: queuePart)
        self.description = text
    }

    /// The ULID part.
    public var unique: Substring { description.suffix(26) }

    public static func == (left: JobID, right: JobID) -> Bool { left.description == right.description }

    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try JobID(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
