public import ConveyorPostgres

/// The tables of imports: their records, spooled chunks, loaded-chunk ledger and callbacks.
/// Embedded, so that `conveyor migrate` creates them from any folder.
public enum ImportTables {
    private static let folder = "Sources/ConveyorImports/Migrations"

    /// In name order. A new one is a file in `Migrations/`, its line in Package.swift and its
    /// line here; SwiftPM names its bytes after the file, the leading digit made `_`.
    public static let migrations = [
        PostgresMigration(name: "0001_imports.sql", in: folder, contents: PackageResources._001_imports_sql),
        PostgresMigration(name: "0004_import_callbacks.sql", in: folder, contents: PackageResources._004_import_callbacks_sql),
        PostgresMigration(name: "0012_imports_accepted.sql", in: folder, contents: PackageResources._012_imports_accepted_sql),
    ]
}
