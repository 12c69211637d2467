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
        by tenant or by the request id of the API request that enqueued their jobs, then by kind, queue and the state each left \
        its job in, among the newest \(Figures.count(RecentAttempts.window)) of the tenant, or of the request id, in the job \
        history; dead jobs by queue and kind on the <a href="/ui/dead">dead page</a>; delayed and retrying jobs by queue and \
        tenant on the <a href="/ui/scheduled">scheduled</a> and <a href="/ui/retrying">retrying</a> pages. A job that has not \
        run yet has no attempt in the history, so a search by request id finds it once a worker has taken it.</p>
        """
    }

    /// The form of the recent attempts' search; an admin names the tenant (none: every tenant's,
    /// by request id), a producer searches its own.
    static func searchForm(_ filter: RecentAttempts.Filter, visitor: DashboardVisitor) -> HTML {
        let states = ([""] + RecentAttempts.states).map { state -> HTML in
            "<option value=\"\(state)\"\(filter.state == state || (state.isEmpty && filter.state == nil) ? " selected" : "")>\(state.isEmpty ? "any" : state)</option>"
        }
        return """
            <form class="filter" method="get" action="/ui/jobs">\(FilterFields.tenant(filter.tenant, blank: "every tenant, by request id", visitor: visitor))\
            <label>Request id <input type="text" name="request_id" value="\(filter.requestID ?? "")"></label>\
            <label>Kind <input type="text" name="kind" value="\(filter.kind ?? "")"></label>\
            <label>Queue <input type="text" name="queue" value="\(filter.queue ?? "")"></label>\
            <label>Then <select name="state">\(states)</select></label><button type="submit">Search</button></form>
            """
    }

    /// A page of recent attempts, each a link to its job.
    static func results(_ attempts: [HistoryAttempt], filter: RecentAttempts.Filter, offset: Int, hasMore: Bool) -> HTML {
        guard !attempts.isEmpty else {
            let whose = [filter.tenant.map { "of tenant \($0)" }, filter.requestID.map { "of request \($0)" }].compactMap { $0 }.joined(separator: " ")
            return "<p class=\"empty\">No finished attempt \(whose) matches.</p>"
        }
        let rows = attempts.map { attempt -> HTML in
            """
            <tr><td><a href="/ui/jobs/\(attempt.jobID)"><code>\(attempt.jobID)</code></a></td><td>\(attempt.kind)</td><td>\(attempt.queue)</td><td>\(attempt.tenant)</td>\
            <td class="number">\(attempt.attempt)</td><td class="outcome-\(attempt.outcome)">\(attempt.outcome)</td><td>\(attempt.state)</td>\
            <td class="number">\(Figures.duration(milliseconds: attempt.runMilliseconds))</td><td>\(Figures.time(attempt.finishedAt))</td></tr>
            """
        }
        let query = [("tenant", filter.tenant), ("request_id", filter.requestID), ("kind", filter.kind), ("queue", filter.queue), ("state", filter.state)]
            .compactMap { name, value in value.map { "\(name)=\(DashboardInput.queryValue($0))" } }
            .joined(separator: "&")
        return """
            <table><thead><tr><th>Job</th><th>Kind</th><th>Queue</th><th>Tenant</th><th>Attempt</th><th>Outcome</th><th>Then</th><th>Run</th><th>Finished</th></tr></thead>\
            <tbody>\(rows)</tbody></table>\(Pager.links("/ui/jobs?\(query)", offset: offset, hasMore: hasMore))
            """
    }
}
