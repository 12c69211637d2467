import ConveyorCore

/// A batch's identity: a ULID, `batch_` before it, e.g. `batch_01JB8ZK7Q2W3E4R5T6Y7V8W9X0`.
/// Its keys live under the hash tag `{batch:<ULID>}` (see ``BatchKeys``), a Redis Cluster slot
/// of its own.
public struct BatchID: Hashable, Sendable, CustomStringConvertible {
    /// The ULID part.
    let ulid: String

    /// A new batch's id.
    public init() {
        ulid = ULID.make()
    }

    /// The id whose ULID is made of the first 16 bytes of `digest`: the same request (by its
    /// idempotency key) makes the same batch.
    public init(derivedFrom digest: [UInt8]) {
        ulid = ULID.make(bits: digest)
    }

    /// Parses `batch_<ULID>`.
    /// - Throws: ``QueueError/invalidBatchID(_:)`` when the text is not of that form.
    public init(_ text: String) throws(QueueError) {
        guard text.hasPrefix(Self.prefix), ULID.isValid(text.utf8.dropFirst(Self.prefix.utf8.count)) else {
            throw .invalidBatchID(text)
        }
        ulid = String(text.dropFirst(Self.prefix.count))
    }

    /// The id whose ULID is `ulid`: the batch of something that has a ULID of its own, such as an import.
    /// - Throws: ``QueueError/invalidBatchID(_:)`` when it is not a ULID.
    public init(ulid: String) throws(QueueError) {
        try self.init(Self.prefix + ulid)
    }

    /// The id of the batch's `on_complete` job, which is enqueued in `queue`: a producer that
    /// enqueues that job itself, under this id, meets the batch's and makes none twice.
    public func onCompleteJobID(in queue: QueueName) -> JobID {
        BatchCallback.id(named: "on_complete", of: self, in: queue)
    }

    public var description: String { Self.prefix + ulid }

    private static let prefix = "batch_"
}

/// The keys of one batch (see `prelude.lua`).
struct BatchKeys {
    let prefix: String
    let record: String
    let members: String
    let waits: String
    let dependents: String
    let fallbacks: String
    let failed: String
    let actions: String

    init(_ id: BatchID) {
        prefix = "conveyor:{batch:\(id.ulid)}:"
        record = prefix + "record"
        members = prefix + "members"
        waits = prefix + "waits"
        dependents = prefix + "dependents"
        fallbacks = prefix + "fallbacks"
        failed = prefix + "failed"
        actions = prefix + "actions"
    }
}
