public import ConveyorPostgres

/// The tables the worker runtime writes: the job history and the job fences. Embedded, so
/// that `conveyor migrate` creates them from any folder.
public enum WorkerTables {
    private static let folder = "Sources/ConveyorWorker/Migrations"

    /// In name order. A new one is a file in `Migrations/`, its line in Package.swift and its
    /// line here; SwiftPM names its bytes after the file, the leading digit made `_`.
    public static let migrations = [
        PostgresMigration(name: "0002_job_history.sql", in: folder, contents: PackageResources._002_job_history_sql),
        PostgresMigration(name: "0005_job_history_finished_brin.sql", in: folder, contents: PackageResources._005_job_history_finished_brin_sql),
        PostgresMigration(name: "0008_job_fences.sql", in: folder, contents: PackageResources._008_job_fences_sql),
        PostgresMigration(name: "0011_job_history_request_id.sql", in: folder, contents: PackageResources._011_job_history_request_id_sql),
        PostgresMigration(name: "0014_job_history_phases.sql", in: folder, contents: PackageResources._014_job_history_phases_sql),
    ]
}
