import ConveyorQueue
import ConveyorRedis
import ConveyorSchedules
import ConveyorTestSupport
import Foundation
import Testing

@Suite("conveyor scheduler processes")
struct SchedulerProcessTests {
    @Test("three schedulers running together enqueue each tick of a per-second schedule once, and stop on SIGTERM")
    func threeSchedulers() async throws {
        let redis = try TestEnvironment.redis()
        let queueName = TestEnvironment.uniqueQueue("scheduler")
        let queue = JobQueue(redis: redis)
        let store = ScheduleStore(redis: redis)
        let name = "t-\(UInt64.random(in: 0 ... .max))"
        let folder = try Self.folder(holding: name, cron: "* * * * * *", queue: queueName)
        defer { try? FileManager.default.removeItem(at: folder) }

        let startedAt = Int(Date().timeIntervalSince1970)
        let schedulers = try (0..<3).map { _ in try ConveyorProcess(["scheduler", "--schedules", folder.path, "--grace", "5"]) }
        defer { for scheduler in schedulers { scheduler.signal(SIGKILL) } }

        // Until six ticks have been recorded after the first one.
        var firstTick: Int?
        let ran = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
            guard let last = try await store.status(of: name).lastTick else { return false }
            if firstTick == nil { firstTick = last }
            return last >= firstTick! + 6
        }
        #expect(ran, "the schedulers recorded no ticks: \(schedulers[0].output)")
        for scheduler in schedulers { scheduler.signal(SIGTERM) }
        for scheduler in schedulers {
            let status = try await scheduler.waitForExit(timeout: .seconds(10))
            #expect(status == 0, "\(scheduler.output)")
        }

        let schedule = Schedule(
            name: name, cron: try CronSchedule("* * * * * *"), kind: "noop", payload: "{}", queue: queueName, missedTicks: .skip
        )
        let lastTick = try #require(try await store.status(of: name).lastTick)
        // The ticks whose job exists form one unbroken run ending at the last tick…
        var enqueued: [Int] = []
        for tick in (startedAt - 1)...lastTick {
            if try await queue.job(schedule.jobID(forTick: tick)) != nil { enqueued.append(tick) }
        }
        #expect(enqueued.count >= 7)
        #expect(enqueued == Array((lastTick - enqueued.count + 1)...lastTick))
        // …and the queue holds those jobs and no others.
        #expect(try await queue.statistics(of: queueName).depth == enqueued.count)
        // Each job was reported by exactly one of the three, in the line of the tick it recorded:
        // as fired, or as enqueued after missed ticks. A scheduler that a loaded machine held
        // back past a tick enqueues that tick's job beside the current one, in one line.
        let recordings = schedulers.flatMap(\.logLines).filter { ["schedule fired", "schedule missed ticks"].contains($0["msg"] as? String) }
        let reported = recordings.flatMap { ($0["job_ids"] as? String)?.split(separator: ",").map(String.init) ?? [] }
        #expect(reported.count == enqueued.count, "\(recordings)")
        #expect(Set(reported) == Set(enqueued.map { schedule.jobID(forTick: $0).description }))
        #expect(Set(recordings.compactMap { $0["tick"] as? String }).count == recordings.count)
    }

    @Test("a schedule that appears after its latest tick's grace logs that it was first seen, runs nothing and counts no miss")
    func firstSeenPastItsLatestTick() async throws {
        let redis = try TestEnvironment.redis()
        let queueName = TestEnvironment.uniqueQueue("scheduler")
        let store = ScheduleStore(redis: redis)
        let name = "t-\(UInt64.random(in: 0 ... .max))"
        // Midnight at the start of the year: long past whenever the test runs, bar New Year's first seconds.
        let folder = try Self.folder(holding: name, cron: "0 0 1 1 *", queue: queueName)
        defer { try? FileManager.default.removeItem(at: folder) }

        let scheduler = try ConveyorProcess(["scheduler", "--schedules", folder.path, "--grace", "5"])
        defer { scheduler.signal(SIGKILL) }
        let recorded = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
            try await store.status(of: name).lastTick != nil
        }
        #expect(recorded, "the scheduler recorded no tick: \(scheduler.output)")
        scheduler.signal(SIGTERM)
        #expect(try await scheduler.waitForExit(timeout: .seconds(10)) == 0, "\(scheduler.output)")

        let lines = scheduler.logLines.filter { ($0["schedule"] as? String) == name }
        let messages = lines.compactMap { $0["msg"] as? String }
        #expect(messages == ["schedule first seen"], "\(lines)")
        let status = try await store.status(of: name)
        #expect(lines.first?["tick"] as? String == status.lastTick.map(String.init))
        #expect(status.missed == 0)
        #expect(try await JobQueue(redis: redis).statistics(of: queueName).depth == 0)
    }

    /// A folder of one schedule file, `name.schedule`, of a noop job on `queue` whose missed
    /// ticks are skipped.
    private static func folder(holding name: String, cron: String, queue: QueueName) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schedules-\(name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "cron \(cron)\nkind noop\nqueue \(queue.rawValue)\nmissed skip\n"
            .write(to: folder.appendingPathComponent("\(name).schedule"), atomically: true, encoding: .utf8)
        return folder
    }
}
