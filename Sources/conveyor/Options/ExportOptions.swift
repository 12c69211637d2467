import ArgumentParser
import ConveyorExports

/// Where export files go and how long exports and the job history are kept: the API (which
/// serves the files) and the workers (which write them and run the retention sweep) take
/// the same settings.
struct ExportOptions: ParsableArguments {
    @Option(name: .customLong("export-dir"), help: "Folder of export files, written by workers and served by the API (env CONVEYOR_EXPORT_DIR; default .data/exports).")
    var exportDirectory: String?

    @Option(name: .customLong("export-retention"), help: "Seconds a finished export's file can be downloaded (env CONVEYOR_EXPORT_RETENTION; default 604800, 7 days).")
    var exportRetention: String?

    @Option(name: .customLong("history-retention"), help: "Seconds rows of the job history are kept (env CONVEYOR_HISTORY_RETENTION; default 1209600, 14 days).")
    var historyRetention: String?

    func settings() throws -> ExportSettings {
        let folder = try Setting<String>(flag: "--export-dir", variable: "CONVEYOR_EXPORT_DIR")
            .resolve(exportDirectory, default: ExportSettings.defaultFolder) { text in
                guard !text.isEmpty, !text.utf8.contains(0) else { throw SettingError(description: "name a folder, e.g. /var/lib/conveyor/exports") }
                return text
            }
        let retention = try Setting<Duration>(flag: "--export-retention", variable: "CONVEYOR_EXPORT_RETENTION")
            .resolve(exportRetention, default: "604800") { try parseSeconds($0, in: 60...31_536_000) }
        let history = try Setting<Duration>(flag: "--history-retention", variable: "CONVEYOR_HISTORY_RETENTION")
            .resolve(historyRetention, default: "1209600") { try parseSeconds($0, in: 3600...315_360_000) }
        return ExportSettings(folder: folder, retention: retention, historyRetention: history)
    }
}
