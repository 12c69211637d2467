public import ConveyorCore
public import ConveyorSchedules
public import ConveyorWorker

extension JobCatalogue {
    /// The schedule files of `jobs/schedules/`, embedded in the build. A new schedule is a
    /// file there and its line here.
    public static let scheduleFiles: [(path: String, contents: [UInt8])] = [
        ("jobs/schedules/dashboard-refresh.schedule", PackageResources.dashboard_refresh_schedule),
        ("jobs/schedules/nightly-inventory-export.schedule", PackageResources.nightly_inventory_export_schedule),
        ("jobs/schedules/retention-sweep.schedule", PackageResources.retention_sweep_schedule),
    ]

    /// The cron schedules, checked against the job kinds of `registry`.
    ///
    /// - Throws: ``CatalogueFileError`` naming the file and line of a mistake.
    public static func schedules(registry: JobRegistry) throws(CatalogueFileError) -> ScheduleCatalogue {
        try ScheduleCatalogue(files: scheduleFiles, registry: registry)
    }
}
