import ArgumentParser
import ConveyorJobs
import ConveyorPostgres
import ConveyorWorker
import Foundation
import Logging

/// `conveyor migrate`: applies the SQL migrations that are not applied yet: those built in
/// (the engine's tables and the job kinds'), then those of the folders it is given.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending PostgreSQL migrations: the engine's and the job kinds' (built in), and those of --migrations folders."
    )

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    @Option(
        name: .customLong("migrations"),
        help: "A folder of further *.sql migrations, applied with the built-in ones in name order; repeat for several (env CONVEYOR_MIGRATIONS, colon-separated)."
    )
    var folders: [String] = []

    @Flag(help: "List pending migrations without applying them.")
    var dryRun = false

    func run() async throws {
        let logger = try logging.bootstrap(label: "conveyor.migrate")
        let folders = try migrationFolders()
        let pool = PostgresPool(configuration: try connections.postgresConfiguration(), logger: logger)
        defer { StandardOutput.flush() }
        do {
            let migrator = PostgresMigrator(pool: pool, migrations: JobCatalogue.migrations, directories: folders, logger: logger)
            if dryRun {
                let pending = try await migrator.pending()
                print(pending.isEmpty ? "no pending migrations" : pending.joined(separator: "\n"))
            } else {
                let applied = try await migrator.migrate()
                logger.info("migrations applied", metadata: ["applied": .array(applied.map { .string($0) }), "folders": "\(folders.joined(separator: ","))"])
            }
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    private func migrationFolders() throws -> [String] {
        var folders = self.folders
        if folders.isEmpty, let variable = ProcessInfo.processInfo.environment["CONVEYOR_MIGRATIONS"] {
            folders = variable.split(separator: ":").map(String.init)
        }
        for folder in folders where !FileManager.default.fileExists(atPath: folder) {
            throw ValidationError("--migrations / CONVEYOR_MIGRATIONS: folder '\(folder)' does not exist")
        }
        return folders
    }
}
