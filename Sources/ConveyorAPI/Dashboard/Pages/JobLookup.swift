import Foundation

/// The form that finds a job by id, the search of recent attempts, and what the dashboard
/// can search by.
enum JobLookup {
    static var form: HTML {
        """
        <form class="lookup" method="get" action="/ui/jobs"><label>Job id \
        <input type="text" name="id" placeholder="default.01J…" required pattern="[a-z0-9_#-]+\\.[0-9A-Za-z]{26}"></label>\
        <button type="submit">Open</button></form>
        """
    }

    static var searchable: HTML {
        """
        <p class="hint">What can be searched: a job by its id (every job until its retention passes); the attempts that finished, \
        by tenant, kind, queue and the state each left its job in, among the tenant's newest \(Figures.count(RecentAttempts.window)) \
        in the job history; dead jobs by queue and kind on the <a href="/ui/dead">dead page</a>. The queue keeps no index of \
        waiting, scheduled or retrying jobs by kind, tenant or request id, so those are found by id; a job's request id is on its \
        page and in its worker's timing line.</p>
        """
    }

    /// The form of the recent attempts' search; an admin names the tenant, a producer searches its own.
    static func searchForm(_ filter: RecentAttempts.Filter, visitor: DashboardVisitor) -> HTML {
        let tenant: HTML =
            visitor.isAdmin ? "<label>Tenant <input type=\"text\" name=\"tenant\" value=\"\(filter.tenant)\"></label>" : .empty
        let states = ([""] + RecentAttempts.states).map { state -> HTML in
            "<option value=\"\(state)\"\(filter.state == state || (state.isEmpty && filter.state == nil) ? " selected" : "")>\(state.isEmpty ? "any" : state)</option>"
        }
        return """
            <form class="filter" method="get" action="/ui/jobs">\(tenant)\
            <label>Kind <input type="text" name="kind" value="\(filter.kind ?? "")"></label>\
            <label>Queue <input type="text" name="queue" value="\(filter.queue ?? "")"></label>\
            <label>Then <select name="state">\(states)</select></label><button type="submit">Search</button></form>
            """
    }

    /// A page of recent attempts, each a link to its job.
    static func results(_ attempts: [HistoryAttempt], filter: RecentAttempts.Filter, offset: Int, hasMore: Bool) -> HTML {
        guard !attempts.isEmpty else { return "<p class=\"empty\">No finished attempt of tenant \(filter.tenant) matches.</p>" }
        let rows = attempts.map { attempt -> HTML in
            """
            <tr><td><a href="/ui/jobs/\(attempt.jobID)"><code>\(attempt.jobID)</code></a></td><td>\(attempt.kind)</td><td>\(attempt.queue)</td>\
            <td class="number">\(attempt.attempt)</td><td class="outcome-\(attempt.outcome)">\(attempt.outcome)</td><td>\(attempt.state)</td>\
            <td class="number">\(Figures.duration(milliseconds: attempt.runMilliseconds))</td><td>\(Figures.time(attempt.finishedAt))</td></tr>
            """
        }
        let query = [("tenant", filter.tenant), ("kind", filter.kind), ("queue", filter.queue), ("state", filter.state)]
            .compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } }
            .joined(separator: "&")
        let newer: HTML = offset > 0 ? "<a href=\"/ui/jobs?\(query)&offset=\(max(0, offset - DashboardJobs.pageSize))\">Newer</a>" : .empty
        let older: HTML = hasMore ? "<a href=\"/ui/jobs?\(query)&offset=\(offset + DashboardJobs.pageSize)\">Older</a>" : .empty
        return """
            <table><thead><tr><th>Job</th><th>Kind</th><th>Queue</th><th>Attempt</th><th>Outcome</th><th>Then</th><th>Run</th><th>Finished</th></tr></thead>\
            <tbody>\(rows)</tbody></table><p class="pager">\(newer) \(older)</p>
            """
    }
}
