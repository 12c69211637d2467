import ArgumentParser
import ConveyorCore
import ConveyorJobs
import ConveyorSchedules
import ConveyorWorker
import Foundation

/// Which schedule files a scheduler reads: those built in from `jobs/schedules/`, or the
/// `*.schedule` files of a folder, to try a schedule without rebuilding.
struct ScheduleOptions: ParsableArguments {
    @Option(name: .customLong("schedules"), help: "A folder whose *.schedule files replace the built-in ones of jobs/schedules (env CONVEYOR_SCHEDULES; default: the built-in ones).")
    var folder: String?

    /// The schedules, each checked against the job kinds; a mistake stops the process
    /// with the file and line that hold it.
    func catalogue() throws -> ScheduleCatalogue {
        let registry = try JobCatalogue.registry()
        let folder = self.folder ?? ProcessInfo.processInfo.environment["CONVEYOR_SCHEDULES"]
        do {
            guard let folder, !folder.isEmpty else { return try JobCatalogue.schedules(registry: registry) }
            return try ScheduleCatalogue(files: try Self.files(in: folder), registry: registry)
        } catch let error as CatalogueFileError {
            throw ValidationError("schedule \(error)")
        }
    }

    private static func files(in folder: String) throws -> [(path: String, contents: [UInt8])] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw ValidationError("--schedules / CONVEYOR_SCHEDULES: cannot read the folder '\(folder)': \(error.localizedDescription)")
        }
        return try names.filter { $0.hasSuffix(".schedule") }.sorted().map { name in
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--schedules / CONVEYOR_SCHEDULES: cannot read '\(path)'")
            }
            return (path, [UInt8](data))
        }
    }
}
