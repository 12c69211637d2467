import ConveyorCore
import Crypto
import Foundation

/// A unique job's lock: while the job holding it is within its scope, an enqueue of another
/// job with the same key creates nothing and answers the holder's id. The lock belongs to a
/// queue (of a sharded queue, to the shard its key picks), as Asynq's and BullMQ's do.
public struct JobUniqueness: Sendable, Equatable {
    /// How long a job holds its lock.
    public enum Scope: Sendable, Equatable {
        /// Until its first attempt starts: a second job may be waiting while the first runs.
        case untilStarted
        /// Until it succeeds, dies or is cancelled; retries hold it.
        case untilFinished
        /// For this long from its enqueue, whatever becomes of it.
        case period(Duration)

        /// The letter the scripts know the scope by.
        var letter: String {
            switch self {
            case .untilStarted: "S"
            case .untilFinished: "F"
            case .period: "P"
            }
        }

        /// The scope of `letter` (see ``letter``), with its `period` for `P`; nil for any
        /// other letter, or a period given with the wrong one.
        init?(letter: String, period: Duration?) {
            switch (letter, period) {
            case ("S", nil): self = .untilStarted
            case ("F", nil): self = .untilFinished
            case ("P", let period?): self = .period(period)
            default: return nil
            }
        }
    }

    public var scope: Scope
    /// The lock's key: 32 hexadecimal digits of a SHA-256 of the tenant, the kind and what
    /// makes two jobs the same (``key(tenant:kind:payload:fields:)``).
    public let key: String

    /// A lock of `scope` on `key`, which ``key(tenant:kind:payload:fields:)`` makes.
    public init(scope: Scope, key: String) {
        self.scope = scope
        self.key = key
    }

    /// The key of a job of `kind` for `tenant` with `payload` (JSON text): a digest of the
    /// payload's top-level `fields` when some are named (a missing one counts as null), or of
    /// the whole payload; as canonical JSON, so that the order of members and the spacing do
    /// not matter. A tenant's key never meets another tenant's.
    public static func key(tenant: String, kind: String, payload: String, fields: [String] = []) -> String {
        let value = JSONValue(parsing: payload)
        let identity: JSONValue
        switch (value, fields.isEmpty) {
        case (.object(let members)?, false): identity = .array(fields.map { members[$0] ?? .null })
        case (let parsed?, _): identity = parsed
        case (nil, _): identity = .string(payload)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var input = Array("\(tenant)\u{0}\(kind)\u{0}".utf8)
        input += (try? encoder.encode(identity)).map(Array.init) ?? Array(payload.utf8)
        return Hexadecimal.string(SHA256.hash(data: input).prefix(16))
    }

    /// The lock as a spec carries it and the scripts take it: the scope's letter, then the key.
    var lock: String { scope.letter + key }

    /// The period of a lock of scope ``Scope/period(_:)``; zero for the others.
    var period: Duration {
        if case .period(let period) = scope { return period }
        return .zero
    }
}
