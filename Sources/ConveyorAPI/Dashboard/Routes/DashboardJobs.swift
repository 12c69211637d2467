import Foundation
import Logging
import ConveyorQueue
import Hummingbird

/// The job pages: a job found by id (a producer's own tenant's only, another's being "not
/// found" exactly as one that does not exist), its attempts, and (admin) the dead jobs
/// with retry and discard, one by one or all of a selection after a confirmation.
struct DashboardJobs: Sendable {
    let gate: DashboardGate
    let services: APIServices

    static let pageSize = 25

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("jobs", use: lookup)
        routes.get("jobs/:id", use: show)
        routes.get("dead", use: dead)
        routes.get("dead/confirm", use: confirm)
        routes.post("dead/:action", use: act)
    }

    /// `/ui/jobs`: a job by id (`?id=` goes to its page), and the recent attempts of a tenant,
    /// or of an API request by its request id, by kind, queue and state.
    @Sendable func lookup(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        if let id = DashboardInput.text(request.uri.queryParameters.get("id")) {
            guard let jobID = try? JobID(id) else {
                throw DashboardError.badRequest("'\(id.prefix(100))' is not a job id: one is '<queue>.<26-character ULID>'")
            }
            return DashboardPage.redirect(to: "/ui/jobs/\(jobID)")
        }
        let query = request.uri.queryParameters
        let requestID = DashboardInput.text(query.get("request_id"))
        // An admin searching by request id sees every tenant's attempts unless it names one.
        let tenant = visitor.isAdmin ? DashboardInput.text(query.get("tenant")) ?? (requestID == nil ? visitor.key.tenant : nil) : visitor.key.tenant
        let filter = RecentAttempts.Filter(
            tenant: tenant, requestID: requestID, kind: DashboardInput.text(query.get("kind")), queue: DashboardInput.text(query.get("queue")),
            state: DashboardInput.text(query.get("state"))
        )
        if let state = filter.state, !RecentAttempts.states.contains(state) {
            throw DashboardError.badRequest("state '\(state)' should be one of \(RecentAttempts.states.joined(separator: ", "))")
        }
        let offset = DashboardInput.offset(query.get("offset"), upTo: 1000)
        let attempts = try await RecentAttempts.search(filter, offset: offset, limit: Self.pageSize + 1, in: services.database)
        let content: HTML = """
            \(JobLookup.form)<h2>Recent attempts</h2>\(JobLookup.searchForm(filter, visitor: visitor))\
            \(JobLookup.results(Array(attempts.prefix(Self.pageSize)), filter: filter, offset: offset, hasMore: attempts.count > Self.pageSize))\
            \(JobLookup.searchable)
            """
        return DashboardPage(title: "Jobs", visitor: visitor, content: content).response()
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let job = try await visibleJob(try context.parameters.require("id"), for: visitor)
        let attempts = try await JobAttempts.read(of: job, from: services.database)
        let actions: HTML =
            visitor.isAdmin && job.state == .dead
            ? """
            <p>\(DashboardPage.button("Retry", action: "/ui/dead/retry", visitor: visitor, fields: [("id", job.id.description), ("back", "job")]))\
            \(DashboardPage.button("Discard", action: "/ui/dead/discard", visitor: visitor, fields: [("id", job.id.description)], style: "warn"))</p>
            """ : .empty
        let content: HTML = """
            \(actions)\(JobDetails(job: job).html)<h2>Attempts</h2>\
            <p class="hint">Each attempt's wait (enqueue to start) and run time, from the workers' job history, and its phases as its \
            timing line has them: waiting for a PostgreSQL connection, in PostgreSQL, in external calls, and in Redis (its reserve and \
            acknowledgement included, so not all within the run).</p>\
            \(attempts.html)
            """
        return DashboardPage(title: "Job \(job.kind)", visitor: visitor, content: content).response()
    }

    @Sendable func dead(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("the dead jobs page")
        let selection = try Self.selection(request.uri.queryParameters.get("queue"), request.uri.queryParameters.get("kind"))
        let offset = DashboardInput.offset(request.uri.queryParameters.get("offset"), upTo: DeadJobSelection.deepest)
        async let known = services.queue.knownQueues()
        async let page = selection.page(in: services.queue, offset: offset, limit: Self.pageSize)
        let (queues, (jobs, hasMore)) = try await (known, page)
        let done = request.uri.queryParameters.get("done").flatMap(Int.init)
        let rows = jobs.map { job -> HTML in
            let id = job.id.description
            return """
                <tr><td><a href="/ui/jobs/\(id)"><code>\(id)</code></a></td><td>\(job.kind)</td><td>\(job.tenant)</td>\
                <td class="number">\(job.attempt)</td><td class="error">\(String((job.error ?? "").prefix(200)))</td>\
                <td>\(Figures.time(job.finishedAt))</td>\
                <td>\(DashboardPage.button("Retry", action: "/ui/dead/retry", visitor: visitor, fields: [("id", id)] + selection.fields))\
                \(DashboardPage.button("Discard", action: "/ui/dead/discard", visitor: visitor, fields: [("id", id)] + selection.fields, style: "warn"))</td></tr>
                """
        }
        let pager = Pager.links("/ui/dead?" + selection.query, offset: offset, hasMore: hasMore)
        let bulk: HTML =
            selection.queue != nil && !jobs.isEmpty
            ? """
            <p><a class="button" href="/ui/dead/confirm?action=retry&\(selection.query)">Retry all matching…</a> \
            <a class="button warn" href="/ui/dead/confirm?action=discard&\(selection.query)">Discard all matching…</a></p>
            """ : "<p class=\"hint\">Choose a queue to retry or discard all its dead jobs (of a kind, if you name one).</p>"
        let table: HTML =
            jobs.isEmpty
            ? "<p class=\"empty\">No dead job matches.</p>"
            : """
            <table class="dead"><thead><tr><th>Job</th><th>Kind</th><th>Tenant</th><th>Attempts</th><th>Error</th><th>Died</th><th></th></tr></thead>\
            <tbody>\(rows)</tbody></table>
            """
        let content: HTML = """
            \(done.map { "<p class=\"note\">\($0) job\($0 == 1 ? "" : "s") done.</p>" } ?? HTML.empty)\
            <form class="filter" method="get" action="/ui/dead">\(FilterFields.queue(queues, selected: selection.queue, blank: "every queue", visitor: visitor))\
            <label>Kind, within the queue <input type="text" name="kind" value="\(selection.kind ?? "")"></label><button type="submit">Show</button></form>\
            \(bulk)\
            \(table)\(pager)\
            <p class="hint">Dead jobs, the most recently dead first. Jobs waiting for their time or for a retry are on the \
            <a href="/ui/scheduled">scheduled</a> and <a href="/ui/retrying">retrying</a> pages.</p>
            """
        return DashboardPage(title: "Dead jobs", visitor: visitor, content: content).response()
    }

    @Sendable func confirm(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("retrying or discarding dead jobs")
        let action = try Self.action(request.uri.queryParameters.get("action"))
        let selection = try Self.selection(request.uri.queryParameters.get("queue"), request.uri.queryParameters.get("kind"))
        guard let queue = selection.queue else { throw DashboardError.badRequest("choose the queue whose dead jobs to \(action.rawValue)") }
        let dead = try await services.queue.statistics(of: queue).dead
        let what: HTML = selection.kind.map { "every dead job of kind <code>\($0)</code> in queue <code>\(queue.rawValue)</code> (of \(Figures.count(dead)) dead there)" }
            ?? "all \(Figures.count(dead)) dead jobs of queue <code>\(queue.rawValue)</code>"
        let content: HTML = """
            <p>\(action.verb) \(what)? \(action == .discard ? "Discarded jobs are gone for good." : "Each is queued again with fresh attempts.")</p>\
            <p>\(DashboardPage.button("\(action.verb) them", action: "/ui/dead/\(action.rawValue)", visitor: visitor, fields: [("all", "1")] + selection.fields, style: action == .discard ? "warn" : ""))\
            <a href="/ui/dead?\(selection.query)">Cancel</a></p>
            """
        return DashboardPage(title: "Confirm", visitor: visitor, content: content).response()
    }

    @Sendable func act(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("retrying or discarding dead jobs")
        let action = try Self.action(context.parameters.get("action"))
        let form = try await gate.form(of: request, from: visitor)
        let selection = try Self.selection(form["queue"], form["kind"])
        var done = 0
        if form["all"] == "1" {
            guard selection.queue != nil else { throw DashboardError.badRequest("choose the queue whose dead jobs to \(action.rawValue)") }
            done = try await selection.applyToAll(in: services.queue, action)
        } else {
            let ids = form.all("id")
            guard !ids.isEmpty, ids.count <= Self.pageSize else { throw DashboardError.badRequest("name 1 to \(Self.pageSize) jobs") }
            for text in ids {
                let job = try await visibleJob(text, for: visitor)
                if try await action.apply(to: job.id, in: services.queue) { done += 1 }
            }
            if form["back"] == "job", let id = ids.first { return DashboardPage.redirect(to: "/ui/jobs/\(id)") }
        }
        context.logger.info(
            "dead jobs \(action == .retry ? "retried" : "discarded")", metadata: ["count": .stringConvertible(done), "api_key": .string(visitor.key.name)]
        )
        return DashboardPage.redirect(to: "/ui/dead?\(selection.query)&done=\(done)")
    }

    /// The job `text` names, if it exists and `visitor` may see it; else the same "not
    /// found" either way, so that a producer learns nothing of other tenants' jobs.
    private func visibleJob(_ text: String, for visitor: DashboardVisitor) async throws -> JobRecord {
        guard let id = try? JobID(text), let job = try await services.queue.job(id), visitor.key.canAccess(tenant: job.tenant) else {
            throw DashboardError.notFound("there is no job '\(text.prefix(100))': it never existed, or its retention has passed")
        }
        return job
    }

    private static func action(_ text: String?) throws(DashboardError) -> DeadJobAction {
        guard let action = text.flatMap(DeadJobAction.init(rawValue:)) else { throw .notFound("dead jobs can be retried or discarded") }
        return action
    }

    private static func selection(_ queue: String?, _ kind: String?) throws(DashboardError) -> DeadJobSelection {
        DeadJobSelection(queue: try DashboardInput.queue(queue), kind: DashboardInput.text(kind))
    }
}

extension DeadJobSelection {
    /// The selection as hidden form fields, so an action returns to the same page.
    fileprivate var fields: [(String, String)] {
        (queue.map { [("queue", $0.rawValue)] } ?? []) + (kind.map { [("kind", $0)] } ?? [])
    }
}
