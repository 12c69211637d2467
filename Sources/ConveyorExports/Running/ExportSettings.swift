/// Where export files go and how long exports and job history are kept; the API (which
/// serves the files) and the workers (which write them) must agree on the folder.
public struct ExportSettings: Sendable {
    /// The folder export files are written to and served from.
    public var folder: String
    /// How long a finished export's file can be downloaded.
    public var retention: Duration
    /// How long rows of the job history are kept.
    public var historyRetention: Duration

    public static let defaultFolder = ".data/exports"
    public static let defaultRetention = Duration.seconds(7 * 86_400)
    public static let defaultHistoryRetention = Duration.seconds(14 * 86_400)

    public init(
        folder: String = Self.defaultFolder, retention: Duration = Self.defaultRetention,
        historyRetention: Duration = Self.defaultHistoryRetention
    ) {
        self.folder = folder
        self.retention = retention
        self.historyRetention = historyRetention
    }

    /// The path of `fileName` inside ``folder``.
    public func path(of fileName: String) -> String {
        folder.hasSuffix("/") ? folder + fileName : folder + "/" + fileName
    }
}
