public import Foundation

/// `timestamptz`, to the microsecond; `timestamp` and `date` columns decode as UTC.
extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { PostgresTimestamp.text(for: self) }

    public init(postgresText: String) throws {
        guard let date = PostgresTimestamp.date(from: postgresText) else {
            throw PostgresDecodingError(decoding: postgresText, as: Date.self, reason: "not an ISO timestamp")
        }
        self = date
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self.uuidString.lowercased() }

    public init(postgresText: String) throws {
        guard let uuid = UUID(uuidString: postgresText) else {
            throw PostgresDecodingError(decoding: postgresText, as: UUID.self, reason: "not a UUID")
        }
        self = uuid
    }
}
