import ConveyorQueue
import ConveyorSchedules
import Foundation
import Hummingbird
import Logging

/// `/ui/schedules`: each cron schedule with its next tick and what Redis records of the past
/// ones (as `conveyor schedules` prints them), and, for an admin, "Enqueue now": the job the
/// schedule would make for a tick at this second, through the schedule's own job request.
/// A producer sees the schedules of its tenant.
struct DashboardSchedules: Sendable {
    let gate: DashboardGate
    let services: APIServices

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("schedules", use: list)
        routes.post("schedules/:name/enqueue", use: enqueue)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let store = ScheduleStore(redis: services.redis)
        let now = DashboardGate.now()
        var rows: [HTML] = []
        for schedule in services.schedules where visitor.key.canAccess(tenant: schedule.tenant) {
            let status = try await store.status(of: schedule.name)
            func time(_ tick: Int?) -> String { tick.map { Figures.time(Date(timeIntervalSince1970: TimeInterval($0))) } ?? "—" }
            let last: HTML = status.lastJob.map { "<a href=\"/ui/jobs/\($0)\">\(time(status.lastEnqueuedTick))</a>" } ?? "\(time(status.lastEnqueuedTick))"
            let action: HTML = visitor.isAdmin ? DashboardPage.button("Enqueue now", action: "/ui/schedules/\(schedule.name)/enqueue", visitor: visitor) : .empty
            rows.append("""
                <tr><td>\(schedule.name)</td><td><code>\(schedule.cron.description)</code></td><td>\(schedule.kind)</td><td>\(schedule.queue.rawValue)</td>\
                <td>\(schedule.tenant)</td><td>\(schedule.isEnabled ? time(schedule.cron.nextTick(after: now)) : "disabled")</td><td>\(last)</td>\
                <td class="number">\(status.missed)</td><td>\(time(status.lastMissedTick))</td><td>\(action)</td></tr>
                """)
        }
        let content: HTML = """
            <p class="hint">Times in UTC. Missed ticks passed while no scheduler ran. "Enqueue now" makes the job a tick at this second \
            would make; the schedule's record of its ticks is the schedulers' and does not change.</p>\
            \(rows.isEmpty ? "<p class=\"empty\">No schedule to show.</p>" : """
                <table><thead><tr><th>Schedule</th><th>Cron</th><th>Kind</th><th>Queue</th><th>Tenant</th><th>Next tick</th>\
                <th>Last enqueued</th><th>Missed</th><th>Last missed</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
                """ as HTML)
            """
        return DashboardPage(title: "Schedules", visitor: visitor, content: content).response()
    }

    @Sendable func enqueue(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("enqueueing a schedule's job")
        _ = try await gate.form(of: request, from: visitor)
        let name = try context.parameters.require("name")
        guard let schedule = services.schedules.first(where: { $0.name == name }) else {
            throw DashboardError.notFound("there is no schedule '\(name.prefix(100))': the schedules page lists them")
        }
        let job = schedule.job(forTick: DashboardGate.now())
        try await services.queue.enqueue([job])
        context.logger.info("schedule enqueued by hand", metadata: ["schedule": .string(name), "job_id": .string(job.id.description), "api_key": .string(visitor.key.name)])
        return DashboardPage.redirect(to: "/ui/jobs/\(job.id)")
    }
}
