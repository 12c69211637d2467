public import ConveyorCore
import ConveyorQueue

/// The job that runs an export: its kind's name and defaults, and its payload, shared by the
/// intake that enqueues it, the schedules that name it and the kind in `jobs/Exports` that runs it.
public enum MetricExport {
    public static let kind = "metric_export"
    /// A few retries for a database that is briefly away; a query that fails is no better
    /// the fifth time.
    public static let maxAttempts = 5
    /// Long enough for an export of millions of rows.
    public static let timeout = Duration.seconds(1800)
    /// How long ago a file of the export folder that no record names must have been written
    /// for the retention sweep to delete it: longer than any attempt runs (one is cancelled
    /// at ``timeout``), with a margin for a cancellation that lands late and for the clocks
    /// of hosts that share the folder.
    public static let abandonedFileAge = timeout + .seconds(1800)

    /// Either the id of an export the API recorded, or (in a scheduled job) the export to
    /// run itself: its name, format (default csv) and parameters, for the job's tenant.
    public struct Payload: Codable, Sendable, Equatable {
        public var exportID: String?
        public var export: String?
        public var format: ExportFormat?
        public var params: [String: JSONValue]?

        public init(exportID: String) {
            self.exportID = exportID
        }

        enum CodingKeys: String, CodingKey {
            case export, format, params
            case exportID = "export_id"
        }
    }
}
