/// The job that runs an export: its kind's name and defaults, and its payload, shared by the
/// intake that enqueues it and the kind in `jobs/Exports` that runs it.
public enum ExportJob {
    public static let kind = "metric_export"
    /// A few retries for a database that is briefly away; a query that fails is no better
    /// the fifth time.
    public static let maxAttempts = 5
    /// Long enough for an export of millions of rows.
    public static let timeout = Duration.seconds(1800)

    public struct Payload: Codable, Sendable, Equatable {
        public var exportID: String

        public init(exportID: String) {
            self.exportID = exportID
        }

        enum CodingKeys: String, CodingKey {
            case exportID = "export_id"
        }
    }
}
