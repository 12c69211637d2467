import ConveyorQueue
import Foundation

/// A job's fields as its page shows them; the state and attempt update live.
struct JobDetails {
    let job: JobRecord

    var html: HTML {
        let id = job.id.description
        func row(_ label: String, _ value: HTML) -> HTML { "<tr><th>\(label)</th><td>\(value)</td></tr>" }
        func text(_ value: String?) -> HTML { value.map { "\($0)" } ?? "—" }
        return """
            <table class="fields live-source" data-events="/ui/events?job=\(id)">\
            \(row("Id", "<code>\(id)</code>"))\(row("Queue", text(job.id.queue.rawValue)))\(row("Kind", text(job.kind)))\
            \(row("State", "<span class=\"state-\(job.state.rawValue)\" data-live=\"job.state\">\(job.state.rawValue)</span>"))\
            \(row("Attempt", "<span data-live=\"job.attempt\">\(job.attempt)</span> of \(job.maxAttempts)"))\
            \(row("Timeout", text(Figures.duration(job.timeout))))\(row("Tenant", text(job.tenant)))\
            \(row("Request id", "<code>\(job.requestID)</code>"))\
            \(row("Worker", "<span data-live=\"job.worker\">\(job.worker ?? "—")</span>"))\
            \(row("Created", text(Figures.time(job.createdAt))))\(row("Run at", text(Figures.time(job.runAt))))\
            \(row("Enqueued", text(Figures.time(job.enqueuedAt))))\(row("Started", text(Figures.time(job.startedAt))))\
            \(row("Finished", "<span data-live=\"job.finished_at\">\(Figures.time(job.finishedAt))</span>"))</table>\
            <h2>Error</h2><pre class="error" data-live="job.error">\(job.error ?? "—")</pre>\
            <h2>Payload</h2><pre>\(Self.pretty(job.payload))</pre>\
            <h2>Result</h2><pre data-live="job.result">\(job.result.map(Self.pretty) ?? "—")</pre>
            """
    }

    /// The most of a payload or result shown: a payload may be 1 MiB.
    static let shownBytes = 64 << 10

    /// JSON text indented for reading, anything else as it is; cut after ``shownBytes``.
    static func pretty(_ json: String) -> String {
        let text: String
        if let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        {
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = json
        }
        guard text.utf8.count > shownBytes else { return text }
        return String(decoding: text.utf8.prefix(shownBytes), as: UTF8.self) + "\n… (\(text.utf8.count - shownBytes) more bytes)"
    }
}
