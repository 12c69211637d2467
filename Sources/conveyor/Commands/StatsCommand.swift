import ArgumentParser
import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorWorker
import Foundation
import Logging

/// `conveyor stats`: every queue's figures and the live workers, as tables.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show every queue (depth, running, scheduled, dead, paused, latency, totals) and the live workers."
    )

    @OptionGroup var connections: ConnectionOptions

    func run() async throws {
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.stats"))
        let queue = try await connections.jobQueue(redis)
        let queues: [QueueStatistics]
        let workers: [WorkerDirectory.Entry]
        do {
            queues = try await QueueOverview.all(in: queue)
            workers = try await WorkerDirectory.list(from: redis)
            await redis.shutdown()
        } catch {
            await redis.shutdown()
            throw error
        }
        print(
            TextTable(
                headers: ["QUEUE", "STATE", "READY", "RUNNING", "SCHEDULED", "DEAD", "LATENCY", "SUCCEEDED", "RETRIED", "DIED", "RECOVERED"],
                rows: queues.map { statistics in
                    [
                        statistics.queue.rawValue, statistics.paused ? "paused" : "active", "\(statistics.depth)", "\(statistics.running)",
                        "\(statistics.scheduled)", "\(statistics.dead)", String(format: "%.1fs", statistics.latency.milliseconds / 1000),
                        "\(statistics.succeeded)", "\(statistics.retried)", "\(statistics.buried)", "\(statistics.recovered)",
                    ]
                },
                empty: "no queues yet"
            )
        )
        print()
        let now = Date()
        print(
            TextTable(
                headers: ["WORKER", "HOST", "PID", "QUEUES", "BUSY", "ZOMBIES", "HEARTBEAT"],
                rows: workers.map { worker in
                    [
                        worker.id, worker.host, "\(worker.pid)", worker.queues, "\(worker.busy)/\(worker.concurrency)", "\(worker.zombies)",
                        String(format: "%.1fs ago", now.timeIntervalSince(worker.heartbeatAt)),
                    ]
                },
                empty: "no live workers"
            )
        )
    }
}
