import ConveyorExports
import ConveyorImports
import ConveyorOutbox
public import ConveyorPostgres
import ConveyorWorker

extension JobCatalogue {
    /// The tables of the job kinds, in `jobs/migrations/` and embedded in the build: numbered
    /// from 1001, so that their names never meet the engine's. A new dataset's table is a file
    /// there and its line here (SwiftPM names its bytes after the file, the leading digit made `_`).
    static let kindMigrations = [
        PostgresMigration(name: "1001_products.sql", in: "jobs/migrations", contents: PackageResources._001_products_sql),
        PostgresMigration(name: "1002_drill_ledger.sql", in: "jobs/migrations", contents: PackageResources._002_drill_ledger_sql),
    ]

    /// Every table this deployment needs, which `conveyor migrate` creates: the engine's,
    /// embedded by the modules that own them, then the job kinds'.
    public static let migrations =
        ImportTables.migrations + WorkerTables.migrations + ExportTables.migrations + OutboxTables.migrations + kindMigrations
}
