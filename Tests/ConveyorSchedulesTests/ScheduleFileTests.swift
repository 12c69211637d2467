import ConveyorCore
import ConveyorJobs
import ConveyorQueue
import ConveyorSchedules
import ConveyorWorker
import Foundation
import Testing

@Suite("Schedule files")
struct ScheduleFileTests {
    static func catalogue(_ text: String, file: String = "jobs/schedules/report.schedule") throws -> ScheduleCatalogue {
        try ScheduleCatalogue(files: [(file, Array(text.utf8))], registry: try JobCatalogue.registry())
    }

    static func error(_ text: String, file: String = "jobs/schedules/report.schedule") -> CatalogueFileError? {
        do {
            _ = try catalogue(text, file: file)
            return nil
        } catch let error as CatalogueFileError {
            return error
        } catch {
            return nil
        }
    }

    @Test("a schedule file: every directive read; the queue and attempts default to the kind's")
    func readsAFile() throws {
        let catalogue = try Self.catalogue(
            """
            # A comment, then a blank line.

            cron      30 2 * * mon-fri
            timezone  Europe/Paris
            kind      drill.sleep
            payload   {"ms": 5}
            tenant    acme
            missed    run_once
            """
        )
        let schedule = try #require(catalogue.schedules.first)
        #expect(schedule.name == "report")
        #expect(schedule.cron.expression == "30 2 * * mon-fri")
        #expect(schedule.cron.timeZone.identifier == "Europe/Paris")
        #expect(schedule.kind == "drill.sleep")
        #expect(schedule.payload == #"{"ms": 5}"#)
        #expect(schedule.queue == .default)
        #expect(schedule.tenant == "acme")
        #expect(schedule.maxAttempts == 5)
        #expect(schedule.missedTicks == .runOnce)
        #expect(schedule.isEnabled)
        #expect(catalogue.enabled.count == 1)
    }

    @Test("the same tick gives the same job id; another tick or schedule, another")
    func jobIDs() throws {
        let text = "cron * * * * *\nkind noop\nmissed skip\nqueue reports"
        let report = try #require(try Self.catalogue(text).schedules.first)
        let other = try #require(try Self.catalogue(text, file: "other.schedule").schedules.first)
        let tick = instant("2024-01-01T00:00:00Z")
        #expect(report.jobID(forTick: tick) == report.jobID(forTick: tick))
        #expect(report.jobID(forTick: tick).queue.rawValue == "reports")
        #expect(report.jobID(forTick: tick) != report.jobID(forTick: tick + 60))
        #expect(report.jobID(forTick: tick) != other.jobID(forTick: tick))
        #expect(try JobID(report.jobID(forTick: tick).description) == report.jobID(forTick: tick))
        #expect(report.job(forTick: tick).id == report.jobID(forTick: tick))
    }

    @Test(
        "mistakes name the file, the line and what to change",
        arguments: [
            ("cron * * * * *\nkind noop\nmissed skip\nrepeat 3", 4, "unknown directive 'repeat'"),
            ("cron * * * * *\ncron 0 * * * *\nkind noop\nmissed skip", 2, "a second 'cron' line (the first is line 1)"),
            ("cron 61 * * * *\nkind noop\nmissed skip", 1, "minute field '61'"),
            ("cron * * * * *\ntimezone Mars/Olympus\nkind noop\nmissed skip", 2, "unknown time zone 'Mars/Olympus'"),
            ("cron * * * * *\nkind nightly\nmissed skip", 2, "unknown job kind 'nightly'"),
            ("cron * * * * *\nkind drill.sleep\npayload {\"ms\": -1}\nmissed skip", 3, "'ms' must be between 0 and 3600000"),
            ("cron * * * * *\nkind drill.sleep\nmissed skip", 2, "missing field 'ms'"),
            ("cron * * * * *\nkind noop\npayload [1]\nmissed skip", 3, "a JSON object on one line"),
            ("cron * * * * *\nkind noop\nqueue Bad Queue\nmissed skip", 3, "queue"),
            ("cron * * * * *\nkind noop\nmissed later", 3, "'missed' must be run_once or skip, not 'later'"),
            ("cron * * * * *\nkind noop\nmissed skip\nenabled maybe", 4, "'enabled' must be yes or no"),
            ("cron * * * * *\nkind noop\nmissed skip\ntenant", 4, "'tenant' needs a value"),
        ]
    )
    func mistakes(text: String, line: Int, message: String) throws {
        let error = try #require(Self.error(text))
        #expect(error.file == "jobs/schedules/report.schedule")
        #expect(error.line == line)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test(
        "a missing directive or a bad file name names the file",
        arguments: [
            ("kind noop\nmissed skip", "report.schedule", "no 'cron' line"),
            ("cron * * * * *\nmissed skip", "report.schedule", "no 'kind' line"),
            ("cron * * * * *\nkind noop", "report.schedule", "no 'missed' line"),
            ("cron * * * * *\nkind noop\nmissed skip", "report.txt", "must end in .schedule"),
            ("cron * * * * *\nkind noop\nmissed skip", "Report.schedule", "cannot name a schedule"),
        ]
    )
    func wholeFileMistakes(text: String, file: String, message: String) throws {
        let error = try #require(Self.error(text, file: file))
        #expect(error.file == file)
        #expect(error.line == nil)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("the schedules of jobs/schedules load")
    func shippedSchedules() throws {
        let catalogue = try JobCatalogue.schedules(registry: try JobCatalogue.registry())
        #expect(catalogue.schedules.map(\.name) == ["dashboard-refresh", "nightly-inventory-export", "retention-sweep"])
    }
}
