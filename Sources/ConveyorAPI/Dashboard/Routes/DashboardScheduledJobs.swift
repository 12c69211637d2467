import ConveyorQueue
import Foundation
import Hummingbird
import Logging

/// The jobs waiting in a queue's schedule: `/ui/scheduled` (delayed, or deferred by an open
/// breaker) and `/ui/retrying` (waiting for their next attempt), soonest due first, each a
/// link to its job. An admin sees every tenant's, or one tenant's, and may run a job now or
/// cancel it; a producer sees its own tenant's, without the buttons, and a `403` for them.
struct DashboardScheduledJobs: Sendable {
    let gate: DashboardGate
    let services: APIServices

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("scheduled", use: scheduled)
        routes.get("retrying", use: retrying)
        routes.post("scheduled/:action", use: act)
    }

    @Sendable func scheduled(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await list(.scheduled, request)
    }

    @Sendable func retrying(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await list(.retrying, request)
    }

    private func list(_ state: JobState, _ request: Request) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let query = request.uri.queryParameters
        let queue = try DashboardInput.queue(query.get("queue"))
        let tenant = visitor.isAdmin ? DashboardInput.text(query.get("tenant")) : visitor.key.tenant
        let queues = visitor.isAdmin ? try await services.queue.knownQueues() : []
        let title = state == .retrying ? "Retrying jobs" : "Scheduled jobs"
        let form: HTML = """
            <form class="filter" method="get" action="\(ScheduledJobList.path(of: state))">\
            \(FilterFields.queue(queues, selected: queue, blank: "choose a queue", visitor: visitor))\
            \(FilterFields.tenant(tenant, blank: "every tenant", visitor: visitor))<button type="submit">Show</button></form>
            """
        guard let queue else {
            let content: HTML = "\(form)<p class=\"hint\">Choose the queue whose \(state == .retrying ? "retrying" : "scheduled") jobs to list.</p>\(ScheduledJobList.bounds)"
            return DashboardPage(title: title, visitor: visitor, content: content).response()
        }
        let selection = ScheduledJobSelection(queue: queue, state: state, tenant: tenant)
        let start = DashboardInput.offset(query.get("from"), upTo: ScheduledJobSelection.deepest)
        let page = try await selection.page(in: services.queue, from: start, limit: DashboardJobs.pageSize)
        let note: HTML = query.get("done").flatMap(ScheduledJobAction.init(rawValue:)).map { action in
            query.get("missed") == nil
                ? "<p class=\"note\">The job was \(action.outcome).</p>"
                : "<p class=\"problem\">The job was no longer waiting in the schedule: it had run, or was cancelled.</p>"
        } ?? .empty
        let list = ScheduledJobList(selection: selection, page: page, start: start, visitor: visitor)
        return DashboardPage(title: title, visitor: visitor, content: "\(note)\(form)\(list.html)\(ScheduledJobList.bounds)").response()
    }

    /// `POST /ui/scheduled/run-now` and `/ui/scheduled/cancel`: one job, by an admin, then back
    /// to the list it was on.
    @Sendable func act(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("running or cancelling scheduled jobs")
        guard let action = context.parameters.get("action").flatMap(ScheduledJobAction.init(rawValue:)) else {
            throw DashboardError.notFound("a scheduled job can be run now (run-now) or cancelled (cancel)")
        }
        let form = try await gate.form(of: request, from: visitor)
        guard let text = form["id"], let id = try? JobID(text) else {
            throw DashboardError.badRequest("name the job by its id: '<queue>.<26-character ULID>'")
        }
        let state = form["state"].flatMap(JobState.init(rawValue:)) == .retrying ? JobState.retrying : .scheduled
        let selection = ScheduledJobSelection(queue: try DashboardInput.queue(form["queue"]) ?? id.queue, state: state, tenant: DashboardInput.text(form["tenant"]))
        let done = try await action.apply(to: id, in: services.queue)
        context.logger.info(
            "scheduled job \(action == .runNow ? "run now" : "cancelled")",
            metadata: ["job_id": .string(id.description), "done": .stringConvertible(done), "api_key": .string(visitor.key.name)]
        )
        let from = DashboardInput.offset(form["from"], upTo: ScheduledJobSelection.deepest)
        return DashboardPage.redirect(
            to: "\(ScheduledJobList.path(of: state))?\(selection.query)&from=\(from)&done=\(action.rawValue)\(done ? "" : "&missed=1")"
        )
    }
}
