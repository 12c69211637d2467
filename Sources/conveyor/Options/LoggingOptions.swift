import ArgumentParser
import ConveyorWorker
import Logging

/// How much the process logs; every line is JSON on standard output.
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env CONVEYOR_LOG_LEVEL; default info).")
    var level: String?

    /// Installs the JSON log handler at the chosen level and returns a logger for `label`.
    func bootstrap(label: String) throws -> Logger {
        let level = try Setting<Logger.Level>(flag: "--log-level", variable: "CONVEYOR_LOG_LEVEL").resolve(self.level, default: "info") {
            guard let level = Logger.Level(rawValue: $0.lowercased()) else {
                throw SettingError(description: "'\($0)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            return level
        }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return Logger(label: label)
    }
}
