import ConveyorQueue
import ConveyorWorker
import Foundation

/// What `conveyor top` shows: a header line, every queue's figures and the live workers,
/// as lines cut to the terminal's size, so that a redraw never scrolls the screen.
struct TopScreen {
    var queues: [QueueStatistics]
    var workers: [WorkerDirectory.Entry]
    /// When the figures were read.
    var readAt: Date

    /// The header line: the time of the figures and what they sum to, and `hint`.
    func header(hint: String) -> String {
        let time = readAt.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).time(includingFractionalSeconds: false))
        let busy = workers.reduce(0) { $0 + $1.busy }
        let slots = workers.reduce(0) { $0 + $1.concurrency }
        return "conveyor top  \(time) UTC  \(queues.count) queues, \(queues.reduce(0) { $0 + $1.depth }) waiting, "
            + "\(workers.count) workers, \(busy)/\(slots) busy" + (hint.isEmpty ? "" : "  (\(hint))")
    }

    /// The queues' table.
    var queueTable: TextTable {
        TextTable(
            headers: ["QUEUE", "DEPTH", "RUNNING", "SCHEDULED", "DEAD", "LATENCY", "PAUSED"],
            rows: queues.map { queue in
                [
                    queue.queue.rawValue, Figures.grouped(queue.depth), Figures.grouped(queue.running), Figures.grouped(queue.scheduled),
                    Figures.grouped(queue.dead), Figures.seconds(queue.latency), queue.paused ? "yes" : "no",
                ]
            },
            empty: "no queues yet"
        )
    }

    /// The live workers' table.
    var workerTable: TextTable {
        TextTable(
            headers: ["HOST", "PID", "QUEUES", "BUSY", "HEARTBEAT"],
            rows: workers.map { worker in
                [
                    worker.host, "\(worker.pid)", worker.queues, "\(worker.busy)/\(worker.concurrency)",
                    Figures.seconds(.milliseconds(Int64(readAt.timeIntervalSince(worker.heartbeatAt) * 1000))) + " ago",
                ]
            },
            empty: "no live workers"
        )
    }

    /// Every line, the header first, each cut to `columns`; past `rows` lines the rest is
    /// counted on the last one.
    func lines(hint: String, columns: Int = .max, rows: Int = .max) -> [String] {
        var lines = [header(hint: hint), ""] + queueTable.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            + [""] + workerTable.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.count > rows {
            let hidden = lines.count - (rows - 1)
            lines = lines.prefix(rows - 1) + ["… \(hidden) more lines: a taller terminal shows them"]
        }
        return lines.map { String($0.prefix(columns)) }
    }
}
