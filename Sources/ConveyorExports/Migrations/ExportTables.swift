public import ConveyorPostgres

/// The table of export records. Embedded, so that `conveyor migrate` creates it from any folder.
public enum ExportTables {
    private static let folder = "Sources/ConveyorExports/Migrations"

    /// In name order. A new one is a file in `Migrations/`, its line in Package.swift and its
    /// line here; SwiftPM names its bytes after the file, the leading digit made `_`.
    public static let migrations = [
        PostgresMigration(name: "0003_exports.sql", in: folder, contents: PackageResources._003_exports_sql),
        PostgresMigration(name: "0009_export_files.sql", in: folder, contents: PackageResources._009_export_files_sql),
        PostgresMigration(name: "0010_export_chunks_lz4.sql", in: folder, contents: PackageResources._010_export_chunks_lz4_sql),
        PostgresMigration(name: "0013_exports_requested.sql", in: folder, contents: PackageResources._013_exports_requested_sql),
    ]
}
