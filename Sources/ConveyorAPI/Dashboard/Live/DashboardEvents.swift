import ConveyorImports
import ConveyorQueue
import ConveyorWorker
import Hummingbird

/// `/ui/events`: the live figures of a page as server-sent events (`text/event-stream`),
/// every ``interval``. The queues' figures (`?view=queues`, `?view=overview` with the hour's
/// chart, each of the queues its page shows, named by `queue=`) are an admin's; a job's (`?job=ID`) and an import's (`?import=ID`) their tenant's. A stream ends when its client
/// goes (the next write fails), when the job or import is over, and after ``longest`` or at the
/// session's end, whichever comes first; the browser then reconnects with the cookie it
/// has, so a stream never outlives the session that opened it.
struct DashboardEvents: Sendable {
    let gate: DashboardGate
    let services: APIServices
    let history: DashboardHistory

    static let interval = Duration.seconds(2)
    static let longest = 600

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("events", use: events)
    }

    private enum Source {
        case queues([QueueName], withChart: Bool)
        case job(JobID)
        case importProgress(String)
    }

    @Sendable func events(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let source: Source
        if let text = request.uri.queryParameters.get("job") {
            guard let id = try? JobID(text), let job = try await services.queue.job(id), visitor.key.canAccess(tenant: job.tenant) else {
                throw DashboardError.notFound("there is no job '\(text.prefix(100))'")
            }
            source = .job(job.id)
        } else if let id = request.uri.queryParameters.get("import") {
            guard let progress = try await services.imports.progress(id: id), visitor.key.canAccess(tenant: progress.tenant) else {
                throw DashboardError.notFound("there is no import '\(id.prefix(100))'")
            }
            source = .importProgress(progress.id)
        } else {
            try visitor.requireAdmin("the live queue figures")
            source = .queues(
                QueueSelection.named(in: request.uri.queryParameters.getAll("queue")),
                withChart: request.uri.queryParameters.get("view") == "overview"
            )
        }
        let ends = min(visitor.session.expiresAt, DashboardGate.now() + Self.longest)
        return EventStream.response(
            of: LiveSource(source: source, services: services, history: history), every: Self.interval,
            lifetime: .seconds(ends - DashboardGate.now()), logger: context.logger
        )
    }
}

extension DashboardEvents {
    /// A page's live figures, as the events of its stream: the figures at each look, then
    /// `done` once the job or import is over.
    private struct LiveSource: EventSource {
        let source: Source
        let services: APIServices
        let history: DashboardHistory

        func next() async throws -> EventStream.Update? {
            guard let (figures, isOver) = try await Self.figures(of: source, services: services, history: history) else { return nil }
            var events = [try EventStream.Event("figures", figures)]
            if isOver { events.append(try EventStream.Event("done", [String: String]())) }
            return EventStream.Update(events: events, isOver: isOver)
        }

        /// The figures of `source` now, and whether they will not change any more.
        private static func figures(of source: Source, services: APIServices, history: DashboardHistory) async throws -> (figures: LiveFigures, isOver: Bool)? {
            switch source {
            case .queues(let names, let withChart):
                async let queues = QueueOverview.of(names, in: services.queue)
                async let workers = WorkerDirectory.list(from: services.redis)
                let hour = withChart ? try await history.hour() : nil
                return (LiveFigures.queues(try await queues, workers: try await workers, hour: hour), false)
            case .job(let id):
                guard let job = try await services.queue.job(id) else { return nil }
                return (LiveFigures.job(job), job.state.isFinal)
            case .importProgress(let id):
                guard let progress = try await services.imports.progress(id: id) else { return nil }
                return (LiveFigures.importProgress(progress), progress.finishedAt != nil)
            }
        }
    }
}
