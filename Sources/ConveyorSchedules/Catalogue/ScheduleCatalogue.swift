public import ConveyorCore
public import ConveyorWorker

/// The cron schedules of this deployment, by name.
public struct ScheduleCatalogue: Sendable {
    /// Every schedule, enabled or not, sorted by name.
    public let schedules: [Schedule]

    /// Reads schedule files (see ``ScheduleFileParser`` for the format), checking each job
    /// against `registry`. Each schedule is named after its file.
    ///
    /// - Parameter files: each file's path, as errors should name it, and its bytes.
    /// - Throws: ``CatalogueFileError`` naming the file and line of the first problem.
    public init(files: [(path: String, contents: [UInt8])], registry: JobRegistry) throws(CatalogueFileError) {
        let byName = try CatalogueFile.byName(files, item: "schedule", name: \.name) { path, contents throws(CatalogueFileError) in
            try ScheduleFileParser.parse(path: path, contents: contents, registry: registry)
        }
        schedules = byName.values.sorted { $0.name < $1.name }
    }

    /// The schedules that fire.
    public var enabled: [Schedule] {
        schedules.filter(\.isEnabled)
    }
}
