import ArgumentParser
import ConveyorExports
import ConveyorPostgres
import Logging

/// Where export files are kept and how long exports and the job history are kept: the API
/// (which serves the files) and the workers (which write them and run the retention sweep)
/// take the same settings.
struct ExportOptions: ParsableArguments {
    @Option(name: .customLong("export-store"), help: "Where export files are kept: folder (--export-dir, one host) or postgres (the database, for APIs and workers on several hosts) (env CONVEYOR_EXPORT_STORE; default folder).")
    var exportStore: String?

    @Option(name: .customLong("export-dir"), help: "Folder of export files, written by workers and served by the API (env CONVEYOR_EXPORT_DIR; default .data/exports).")
    var exportDirectory: String?

    @Option(name: .customLong("export-retention"), help: "Seconds a finished export's file can be downloaded (env CONVEYOR_EXPORT_RETENTION; default 604800, 7 days).")
    var exportRetention: String?

    @Option(name: .customLong("history-retention"), help: "Seconds rows of the job history are kept (env CONVEYOR_HISTORY_RETENTION; default 1209600, 14 days).")
    var historyRetention: String?

    func settings() throws -> ExportSettings {
        let store = try Setting<ExportSettings.Store>(flag: "--export-store", variable: "CONVEYOR_EXPORT_STORE")
            .resolve(exportStore, default: ExportSettings.Store.folder.rawValue) { text in
                guard let store = ExportSettings.Store(rawValue: text) else {
                    throw SettingError(description: "'\(text)' is not a store: use folder (one host) or postgres (several hosts)")
                }
                return store
            }
        let folder = try Setting<String>(flag: "--export-dir", variable: "CONVEYOR_EXPORT_DIR")
            .resolve(exportDirectory, default: ExportSettings.defaultFolder) { text in
                guard !text.isEmpty, !text.utf8.contains(0) else { throw SettingError(description: "name a folder, e.g. /var/lib/conveyor/exports") }
                return text
            }
        let retention = try Setting<Duration>(flag: "--export-retention", variable: "CONVEYOR_EXPORT_RETENTION")
            .resolve(exportRetention, default: "604800") { try parseSeconds($0, in: 60...31_536_000) }
        let history = try Setting<Duration>(flag: "--history-retention", variable: "CONVEYOR_HISTORY_RETENTION")
            .resolve(historyRetention, default: "1209600") { try parseSeconds($0, in: 3600...315_360_000) }
        return ExportSettings(store: store, folder: folder, retention: retention, historyRetention: history)
    }

    /// The store `settings` name, ready for files.
    /// - Throws: `ValidationError` naming the setting when the store cannot work (a folder
    ///   this process cannot create or write to).
    func prepareFileStore(_ settings: ExportSettings, database: PostgresConfiguration, logger: Logger) async throws -> any ExportFileStore {
        let store = settings.makeFileStore(database: database, logger: logger)
        do {
            try await store.prepare()
        } catch {
            await store.shutdown()
            throw ValidationError("--export-dir / CONVEYOR_EXPORT_DIR: \(error)")
        }
        return store
    }
}
