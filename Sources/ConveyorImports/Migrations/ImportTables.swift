public import ConveyorPostgres

/// The tables of imports: their records, spooled chunks, loaded-chunk ledger and callbacks.
/// Embedded, so that `conveyor migrate` creates them from any folder.
public enum ImportTables {
    /// In name order. A new one is a file in `Migrations/`, its line in Package.swift and its
    /// line here; SwiftPM names its bytes after the file, the leading digit made `_`.
    public static let migrations = [
        PostgresMigration(name: "0001_imports.sql", path: "Sources/ConveyorImports/Migrations/0001_imports.sql", contents: PackageResources._001_imports_sql),
        PostgresMigration(name: "0004_import_callbacks.sql", path: "Sources/ConveyorImports/Migrations/0004_import_callbacks.sql", contents: PackageResources._004_import_callbacks_sql),
    ]
}
