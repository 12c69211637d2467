import Logging
import ConveyorExternal
import ConveyorQueue
import ConveyorWorker
import Foundation
import Hummingbird

/// The operator's pages: the overview, the queues (with pause and resume), the workers and
/// the breakers. The figures come from the same reads as `GET /v1/queues`, `/v1/workers` and
/// `/v1/breakers`; all but the overview are an admin's, and a producer's overview shows its
/// own tenant's pages only.
struct DashboardOperations: Sendable {
    let gate: DashboardGate
    let services: APIServices
    let history: DashboardHistory

    /// The queues the overview shows: the busiest.
    static let busiestShown = 10

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get(use: overview)
        routes.get("queues", use: queues)
        routes.post("queues/:name/pause", use: pause)
        routes.post("queues/:name/resume", use: resume)
        routes.get("workers", use: workers)
        routes.get("breakers", use: breakers)
    }

    @Sendable func overview(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        guard visitor.isAdmin else {
            return DashboardPage(title: "Overview", visitor: visitor, content: Self.producerOverview(visitor)).response()
        }
        async let queues = QueueOverview.all(in: services.queue)
        async let workers = WorkerDirectory.list(from: services.redis)
        async let breakers = BreakerStatus.all(from: services.redis, transitionLimit: 1)
        async let charts = history.charts()
        let (allQueues, workerList, breakerList, chartSet) = try await (queues, workers, breakers, charts)
        // The busiest, read once for the page; its live stream then reads those alone.
        let queueList = allQueues.sorted { ($0.depth + $0.running, $1.queue) > ($1.depth + $1.running, $0.queue) }
            .prefix(Self.busiestShown).sorted { $0.queue < $1.queue }
        let open = breakerList.filter { $0.state != .closed }
        let busy = workerList.reduce(0) { $0 + $1.busy }
        let slots = workerList.reduce(0) { $0 + $1.concurrency }
        let content: HTML = """
            <section class="live-source" data-events="/ui/events?view=overview\(QueueSelection.liveQuery(Array(queueList)))">\(chartSet.html)</section>\
            <h2>Queues</h2><p class="hint">The \(Self.busiestShown) with the most jobs ready and running, of \(Figures.count(allQueues.count)). \
            <a href="/ui/queues">Every queue</a></p>\(QueueTable(queues: Array(queueList), actions: nil).html)\
            <h2>Workers</h2><p><span data-live="workers.count">\(workerList.count)</span> live, \
            <span data-live="workers.busy">\(busy)</span> of <span data-live="workers.slots">\(slots)</span> slots busy. \
            <a href="/ui/workers">Every worker</a></p>\
            <h2>Open breakers</h2>\(BreakerTable(breakers: open).html)
            """
        return DashboardPage(title: "Overview", visitor: visitor, content: content).response()
    }

    @Sendable func queues(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("the queues page")
        let query = request.uri.queryParameters
        let selection = QueueSelection(nameFilter: DashboardInput.text(query.get("name")), offset: DashboardInput.offset(query.get("offset"), upTo: .max))
        let (list, matching) = try await selection.page(in: services.queue)
        let base = "/ui/queues?" + (selection.nameFilter.map { "name=\(DashboardInput.queryValue($0))" } ?? "")
        let content: HTML = """
            <form class="filter" method="get" action="/ui/queues"><label>Name holds \
            <input type="text" name="name" value="\(selection.nameFilter ?? "")"></label><button type="submit">Show</button></form>\
            <p class="hint">\(Figures.count(matching)) queue\(matching == 1 ? "" : "s")\(selection.nameFilter == nil ? "" : " match"), by name, \
            \(QueueSelection.pageSize) a page. Ready is what waits for a worker; latency, how long the oldest ready job has waited. \
            A paused queue still takes jobs; its workers leave them.</p>\
            <section class="live-source" data-events="/ui/events?view=queues\(QueueSelection.liveQuery(list))">\
            \(QueueTable(queues: list, actions: visitor).html)</section>\
            \(Pager.links(base, offset: selection.offset, hasMore: selection.offset + list.count < matching, labels: ("Before", "After")))
            """
        return DashboardPage(title: "Queues", visitor: visitor, content: content).response()
    }

    @Sendable func pause(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await changeQueue(request, context: context, paused: true)
    }

    @Sendable func resume(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await changeQueue(request, context: context, paused: false)
    }

    private func changeQueue(_ request: Request, context: APIRequestContext, paused: Bool) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin(paused ? "pausing a queue" : "resuming a queue")
        _ = try await gate.form(of: request, from: visitor)
        let text = try context.parameters.require("name")
        guard let name = try? QueueName(text), try await services.queue.knownQueues().contains(name) else {
            throw DashboardError.notFound("there is no queue '\(text)': the queues page lists those that have had jobs")
        }
        if paused { try await services.queue.pause(name) } else { try await services.queue.resume(name) }
        context.logger.info(paused ? "queue paused" : "queue resumed", metadata: ["queue": .string(name.rawValue), "api_key": .string(visitor.key.name)])
        return DashboardPage.redirect(to: "/ui/queues?name=\(name.rawValue)")
    }

    @Sendable func workers(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("the workers page")
        let list = try await WorkerDirectory.list(from: services.redis)
        let content: HTML = "<p class=\"hint\">Workers with a heartbeat in the last lease, the latest first.</p>\(WorkerTable(workers: list, now: Date()).html)"
        return DashboardPage(title: "Workers", visitor: visitor, content: content).response()
    }

    @Sendable func breakers(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        try visitor.requireAdmin("the breakers page")
        let list = try await BreakerStatus.all(from: services.redis, transitionLimit: 1)
        let content: HTML = """
            <p class="hint">One breaker per external dependency, shared by every worker. Every breaker that has guarded a call is listed.</p>\
            \(list.isEmpty ? "<p class=\"empty\">No external call has been made yet.</p>" : BreakerTable(breakers: list).html)
            """
        return DashboardPage(title: "Breakers", visitor: visitor, content: content).response()
    }

    private static func producerOverview(_ visitor: DashboardVisitor) -> HTML {
        """
        <p>Key <strong>\(visitor.key.name)</strong> is a producer key of tenant <strong>\(visitor.key.tenant)</strong>: \
        it sees that tenant's jobs, imports and exports. Queues, workers, breakers and dead jobs are an admin key's.</p>\
        \(JobLookup.form)
        """
    }
}
