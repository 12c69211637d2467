public import ConveyorPostgres

/// The tables of the job outboxes. Embedded, so that `conveyor migrate` creates it from any folder.
public enum OutboxTables {
    private static let folder = "Sources/ConveyorOutbox/Migrations"

    /// In name order. A new one is a file in `Migrations/`, its line in Package.swift and its
    /// line here; SwiftPM names its bytes after the file, the leading digit made `_`.
    public static let migrations = [
        PostgresMigration(name: "0007_job_outbox.sql", in: folder, contents: PackageResources._007_job_outbox_sql),
        PostgresMigration(name: "0015_outbox.sql", in: folder, contents: PackageResources._015_outbox_sql),
        PostgresMigration(name: "0016_job_outbox_batches.sql", in: folder, contents: PackageResources._016_job_outbox_batches_sql),
        PostgresMigration(name: "0017_outbox_job_options.sql", in: folder, contents: PackageResources._017_outbox_job_options_sql),
    ]
}
