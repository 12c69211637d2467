import ConveyorQueue

/// The table of queues on the overview and the queues page. Each figure carries the name
/// the live updates address it by (`data-live="queue.NAME.depth"`).
struct QueueTable {
    let queues: [QueueStatistics]
    /// The visitor, when the table has pause and resume buttons.
    let actions: DashboardVisitor?

    var html: HTML {
        guard !queues.isEmpty else { return "<p class=\"empty\">No queue has had a job yet.</p>" }
        let rows = queues.map { queue -> HTML in
            let name = queue.queue.rawValue
            func live(_ figure: String, _ text: String) -> HTML { "<td class=\"number\" data-live=\"queue.\(name).\(figure)\">\(text)</td>" }
            let button: HTML =
                actions.map { visitor in
                    queue.paused
                        ? DashboardPage.button("Resume", action: "/ui/queues/\(name)/resume", visitor: visitor)
                        : DashboardPage.button("Pause", action: "/ui/queues/\(name)/pause", visitor: visitor, style: "warn")
                } ?? .empty
            return """
                <tr><td><a href="/ui/dead?queue=\(name)">\(name)</a></td>\
                <td data-live="queue.\(name).state">\(queue.paused ? "paused" : "running")</td>\
                \(live("depth", Figures.count(queue.depth)))\(live("running", Figures.count(queue.running)))\
                \(live("scheduled", Figures.count(queue.scheduled)))\(live("dead", Figures.count(queue.dead)))\
                \(live("latency", Figures.duration(queue.latency)))\(live("succeeded", Figures.count(queue.succeeded)))\
                \(actions == nil ? HTML.empty : "<td>\(button)</td>")</tr>
                """
        }
        return """
            <table class="queues"><thead><tr><th>Queue</th><th>State</th><th>Ready</th><th>Running</th><th>Scheduled</th><th>Dead</th>\
            <th>Latency</th><th>Succeeded</th>\(actions == nil ? HTML.empty : "<th></th>")</tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
