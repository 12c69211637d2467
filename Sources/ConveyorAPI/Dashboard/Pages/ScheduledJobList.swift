import ConveyorQueue

/// A page of a queue's delayed or retrying jobs as the scheduled and retrying pages show it:
/// each job's kind, tenant, attempts and due time (and, retrying, its last error), a link to
/// its page, an admin's **Run now** and **Cancel**, and what the page looked through.
struct ScheduledJobList {
    let selection: ScheduledJobSelection
    let page: ScheduledJobSelection.Page
    /// The rank the page starts at.
    let start: Int
    let visitor: DashboardVisitor

    /// The address of the list of `state`'s jobs.
    static func path(of state: JobState) -> String {
        state == .retrying ? "/ui/retrying" : "/ui/scheduled"
    }

    var html: HTML {
        let path = Self.path(of: selection.state)
        let retrying = selection.state == .retrying
        let rows = page.jobs.map { job -> HTML in
            let id = job.id.description
            let error: HTML = retrying ? "<td class=\"error\">\(String((job.error ?? "").prefix(200)))</td>" : .empty
            return """
                <tr><td><a href="/ui/jobs/\(id)"><code>\(id)</code></a></td><td>\(job.kind)</td><td>\(job.tenant)</td>\
                <td class="number">\(job.attempt) of \(job.maxAttempts)</td><td>\(Figures.time(job.runAt))</td>\(error)\(actions(for: id))</tr>
                """
        }
        let errorHeading: HTML = retrying ? "<th>Last error</th>" : .empty
        let actionsHeading: HTML = visitor.isAdmin ? "<th></th>" : .empty
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">No \(retrying ? "retrying" : "scheduled") job\(selection.tenant.map { " of tenant \($0)" } ?? "") among those looked through.</p>"
            : """
            <table class="schedule"><thead><tr><th>Job</th><th>Kind</th><th>Tenant</th><th>Attempts</th>\
            <th>\(retrying ? "Next attempt" : "Due")</th>\(errorHeading)\(actionsHeading)</tr></thead>\
            <tbody>\(rows)</tbody></table>
            """
        let base = "\(path)?\(selection.query)"
        let soonest: HTML = start > 0 ? "<a href=\"\(base)\">Soonest</a>" : .empty
        let later: HTML = page.next.map { "<a href=\"\(base)&from=\($0)\">Later</a>" } ?? .empty
        let looked: HTML =
            page.jobs.count < DashboardJobs.pageSize && page.next != nil
            ? """
            <p class="hint">Looked through jobs \(Figures.count(page.looked.lowerBound + 1)) to \(Figures.count(page.looked.upperBound)) \
            of the schedule's \(Figures.count(page.total)); Later looks further.</p>
            """ : .empty
        return """
            <p>Queue <code>\(selection.queue.rawValue)</code> has \(Figures.count(page.total)) job\(page.total == 1 ? "" : "s") in its schedule, \
            delayed and retrying together.</p>\(table)\(looked)<p class="pager">\(soonest) \(later)</p>
            """
    }

    /// An admin's buttons for job `id`, each returning to this page.
    private func actions(for id: String) -> HTML {
        guard visitor.isAdmin else { return .empty }
        let fields = [("id", id), ("state", selection.state.rawValue), ("queue", selection.queue.rawValue), ("from", String(start))]
            + (selection.tenant.map { [("tenant", $0)] } ?? [])
        return """
            <td>\(DashboardPage.button("Run now", action: "/ui/scheduled/\(ScheduledJobAction.runNow.rawValue)", visitor: visitor, fields: fields))\
            \(DashboardPage.button("Cancel", action: "/ui/scheduled/\(ScheduledJobAction.cancel.rawValue)", visitor: visitor, fields: fields, style: "warn"))</td>
            """
    }

    /// The hint below every list: what the page reads, and why it looks no further.
    static var bounds: HTML {
        """
        <p class="hint">The queue keeps delayed and retrying jobs in one schedule ordered by due time, with no index by state or \
        tenant: a page reads it by rank, soonest first, and looks through at most \(Figures.count(ScheduledJobSelection.scanned)) \
        of its jobs for those of the state (and tenant) shown, so it costs the same however long the schedule is. Pages go no \
        deeper than the schedule's first \(Figures.count(ScheduledJobSelection.deepest)) jobs. A job deferred by an open breaker \
        is listed as scheduled.</p>
        """
    }
}
