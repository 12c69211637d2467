/// What makes two jobs of a kind the same, and for how long the first keeps a second from
/// being created (see ``JobUniqueness``).
public struct UniqueJobs: Sendable, Equatable {
    /// The payload's top-level fields that make two jobs the same; empty: the whole payload.
    public var fields: [String]
    public var scope: JobUniqueness.Scope

    /// At most this many fields make two jobs the same.
    public static let maxFields = 16
    /// A field's name is 1 to 128 bytes.
    public static let fieldNameBytes = 1...128
    /// A lock held for a period holds from a millisecond to 30 days.
    public static let periodMilliseconds = 1...2_592_000_000

    /// Whether `fields` may name what makes two jobs the same: at most ``maxFields`` names of
    /// ``fieldNameBytes`` each.
    public static func areValid(fields: [String]) -> Bool {
        fields.count <= maxFields && fields.allSatisfy { fieldNameBytes.contains($0.utf8.count) }
    }

    public init(fields: [String] = [], scope: JobUniqueness.Scope = .untilFinished) {
        self.fields = fields
        self.scope = scope
    }

    /// The lock of a job of `kind` for `tenant` with `payload`.
    public func uniqueness(kind: String, tenant: String, payload: String) -> JobUniqueness {
        JobUniqueness(scope: scope, key: JobUniqueness.key(tenant: tenant, kind: kind, payload: payload, fields: fields))
    }
}
