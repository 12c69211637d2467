public import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
public import Foundation

/// One export, as `conveyor_exports` keeps it and `GET /v1/exports/{id}` shows it.
public struct ExportRecord: Sendable, Encodable {
    public let id: String
    public let tenant: String
    public let export: String
    public let format: ExportFormat
    public let params: JSONValue
    public let state: ExportState
    public let error: String?
    public let rows: Int?
    public let bytes: Int?
    public let sha256: String?
    /// The file in the export folder; nil until it is written and once it has expired.
    public let fileName: String?
    /// The `metric_export` job that runs it.
    public let jobID: String?
    public let requestID: String
    public let requestedAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public let expiresAt: Date
    /// Whether the file's time is up (by the database's clock when the record was read).
    public let isExpired: Bool

    /// Where the file is downloaded, once it is ready.
    public var fileURL: String? {
        state == .succeeded && !isExpired ? "/v1/exports/\(id)/file" : nil
    }

    /// ``expiresAt`` in RFC 3339.
    public var expiresAtText: String { Self.rfc3339(expiresAt) }

    /// The name a download suggests: the export's name, its id and the format's extension.
    public var downloadName: String { "\(export)-\(id).\(format.fileExtension)" }

    enum CodingKeys: String, CodingKey {
        case id, tenant, export, format, params, state, error, rows, bytes, sha256
        case jobID = "job_id"
        case requestID = "request_id"
        case requestedAt = "requested_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case expiresAt = "expires_at"
        case fileURL = "file_url"
        case isExpired = "expired"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(export, forKey: .export)
        try container.encode(format, forKey: .format)
        try container.encode(params, forKey: .params)
        try container.encode(state, forKey: .state)
        try container.encode(error, forKey: .error)
        try container.encode(rows, forKey: .rows)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(fileURL, forKey: .fileURL)
        try container.encode(isExpired, forKey: .isExpired)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(Self.rfc3339(requestedAt), forKey: .requestedAt)
        try container.encode(startedAt.map(Self.rfc3339), forKey: .startedAt)
        try container.encode(finishedAt.map(Self.rfc3339), forKey: .finishedAt)
        try container.encode(Self.rfc3339(expiresAt), forKey: .expiresAt)
    }

    /// The columns ``init(row:)`` reads.
    static let columns = """
        id, tenant, export, format, params::text AS params, state, error, rows, bytes, sha256, file_name, job_id, request_id,
        requested_at, started_at, finished_at, expires_at, expires_at <= now() AS expired
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        tenant = try row.decode("tenant")
        export = try row.decode("export")
        format = ExportFormat(rawValue: try row.decode("format")) ?? .csv
        params = JSONValue(parsing: try row.decode("params")) ?? .object([:])
        state = ExportState(rawValue: try row.decode("state")) ?? .failed
        error = try row.decode("error", as: String?.self)
        rows = try row.decode("rows", as: Int?.self)
        bytes = try row.decode("bytes", as: Int?.self)
        sha256 = try row.decode("sha256", as: String?.self)
        fileName = try row.decode("file_name", as: String?.self)
        jobID = try row.decode("job_id", as: String?.self)
        requestID = try row.decode("request_id")
        requestedAt = try row.decode("requested_at")
        startedAt = try row.decode("started_at", as: Date?.self)
        finishedAt = try row.decode("finished_at", as: Date?.self)
        expiresAt = try row.decode("expires_at")
        isExpired = try row.decode("expired")
    }

    /// The values a request gave, as the record keeps them (strings, as the parameters' text).
    public var parameterValues: [String: JSONValue] {
        if case .object(let values) = params { return values }
        return [:]
    }

    private static func rfc3339(_ date: Date) -> String {
        Timestamp(date).description
    }
}
