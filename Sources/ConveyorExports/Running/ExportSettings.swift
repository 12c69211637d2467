public import ConveyorPostgres
public import Logging

/// Where export files are kept and how long exports and job history are kept; the API (which
/// serves the files) and the workers (which write them) must agree on the store.
public struct ExportSettings: Sendable {
    /// Where export files are kept.
    public enum Store: String, Sendable, CaseIterable {
        /// A folder of the local disk (``folder``): for one host.
        case folder
        /// PostgreSQL: for APIs and workers on several hosts.
        case postgres
    }

    public var store: Store
    /// The folder export files are written to and served from, when ``store`` is `.folder`.
    public var folder: String
    /// How long a finished export's file can be downloaded.
    public var retention: Duration
    /// How long rows of the job history are kept.
    public var historyRetention: Duration

    public static let defaultFolder = ".data/exports"
    public static let defaultRetention = Duration.seconds(7 * 86_400)
    public static let defaultHistoryRetention = Duration.seconds(14 * 86_400)

    public init(
        store: Store = .folder, folder: String = Self.defaultFolder, retention: Duration = Self.defaultRetention,
        historyRetention: Duration = Self.defaultHistoryRetention
    ) {
        self.store = store
        self.folder = folder
        self.retention = retention
        self.historyRetention = historyRetention
    }

    /// The store these settings name; the PostgreSQL one connects to `database`.
    public func makeFileStore(database: PostgresConfiguration, logger: Logger) -> any ExportFileStore {
        switch store {
        case .folder: FolderExportFileStore(path: folder)
        case .postgres: PostgresExportFileStore(configuration: database, logger: logger)
        }
    }
}
