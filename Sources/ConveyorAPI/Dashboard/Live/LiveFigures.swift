import ConveyorImports
import ConveyorQueue
import ConveyorWorker

/// One live update of a page: the text of each figure by the name the page gives it
/// (`data-live`), and the hour's chart. Its size is bounded by the queues a page shows, and a
/// job's error and result are cut, so a page left open receives the same few kilobytes
/// every time.
struct LiveFigures: Sendable, Encodable {
    var texts: [String: String] = [:]
    var hour: DashboardHistory.Hour?

    /// The most of a job's error or result sent live; the page shows it whole when loaded.
    static let textLimit = 4096

    static func queues(_ queues: [QueueStatistics], workers: [WorkerDirectory.Entry], hour: DashboardHistory.Hour?) -> LiveFigures {
        var figures = LiveFigures(hour: hour)
        for queue in queues {
            let prefix = "queue.\(queue.queue.rawValue)."
            figures.texts[prefix + "state"] = queue.paused ? "paused" : "running"
            figures.texts[prefix + "depth"] = Figures.count(queue.depth)
            figures.texts[prefix + "running"] = Figures.count(queue.running)
            figures.texts[prefix + "scheduled"] = Figures.count(queue.scheduled)
            figures.texts[prefix + "dead"] = Figures.count(queue.dead)
            figures.texts[prefix + "latency"] = Figures.duration(queue.latency)
            figures.texts[prefix + "succeeded"] = Figures.count(queue.succeeded)
        }
        figures.texts["workers.count"] = String(workers.count)
        figures.texts["workers.busy"] = String(workers.reduce(0) { $0 + $1.busy })
        figures.texts["workers.slots"] = String(workers.reduce(0) { $0 + $1.concurrency })
        return figures
    }

    static func job(_ job: JobRecord) -> LiveFigures {
        func cut(_ text: String) -> String {
            text.utf8.count <= textLimit ? text : String(decoding: text.utf8.prefix(textLimit), as: UTF8.self) + "…"
        }
        return LiveFigures(texts: [
            "job.state": job.state.rawValue,
            "job.attempt": String(job.attempt),
            "job.worker": job.worker ?? "—",
            "job.finished_at": Figures.time(job.finishedAt),
            "job.error": cut(job.error ?? "—"),
            "job.result": cut(job.result.map(JobDetails.pretty) ?? "—"),
        ])
    }

    static func importProgress(_ progress: ImportProgress) -> LiveFigures {
        LiveFigures(texts: ImportDetails.figures(progress))
    }
}
