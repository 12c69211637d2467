import ConveyorWorker
import Foundation

/// The table of live workers: host, pid, queues, busy slots, heartbeat age.
struct WorkerTable {
    let workers: [WorkerDirectory.Entry]
    let now: Date

    var html: HTML {
        guard !workers.isEmpty else { return "<p class=\"empty\">No worker has sent a heartbeat lately.</p>" }
        let rows = workers.map { worker -> HTML in
            """
            <tr><td>\(worker.host)</td><td class="number">\(worker.pid)</td><td>\(worker.queues)</td>\
            <td class="number">\(worker.busy) of \(worker.concurrency)</td><td class="number">\(worker.zombies)</td>\
            <td>\(Figures.age(of: worker.startedAt, now: now))</td><td>\(Figures.age(of: worker.heartbeatAt, now: now))</td></tr>
            """
        }
        return """
            <table><thead><tr><th>Host</th><th>Pid</th><th>Queues</th><th>Busy slots</th><th>Zombies</th><th>Started</th><th>Heartbeat</th></tr></thead>\
            <tbody>\(rows)</tbody></table>
            """
    }
}
