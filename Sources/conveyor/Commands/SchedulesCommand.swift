import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import ConveyorSchedules
import Foundation
import Logging

/// `conveyor schedules`: each schedule with its next tick and what Redis records of the
/// past ones, missed ticks included.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "List the cron schedules: next tick, last tick enqueued, ticks missed while no scheduler ran."
    )

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var schedules: ScheduleOptions

    func run() async throws {
        let catalogue = try schedules.catalogue()
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.schedules"))
        let rows: [[String]]
        do {
            rows = try await table(of: catalogue, store: ScheduleStore(redis: redis))
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }

    private func table(of catalogue: ScheduleCatalogue, store: ScheduleStore) async throws -> [[String]] {
        let now = Int(Date().timeIntervalSince1970)
        var rows = [["SCHEDULE", "CRON", "KIND", "QUEUE", "NEXT", "LAST ENQUEUED", "MISSED", "LAST MISSED"]]
        for schedule in catalogue.schedules {
            let status = try await store.status(of: schedule.name)
            let time = { (tick: Int?) in tick.map { Self.format($0, in: schedule.cron.timeZone) } ?? "-" }
            rows.append([
                schedule.name, schedule.cron.description, schedule.kind, schedule.queue.rawValue,
                schedule.isEnabled ? time(schedule.cron.nextTick(after: now)) : "disabled",
                time(status.lastEnqueuedTick), "\(status.missed)", time(status.lastMissedTick),
            ])
        }
        return rows
    }

    private static func format(_ tick: Int, in timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(tick)))
    }
}
