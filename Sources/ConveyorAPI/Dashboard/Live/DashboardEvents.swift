import HTTPTypes
import Logging
import ConveyorImports
import ConveyorQueue
import ConveyorWorker
import Hummingbird
import NIOCore

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
        let services = self.services
        let history = self.history
        let logger = context.logger
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", .xAccelBuffering: "no"]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 5000\n\n"))
                while DashboardGate.now() < ends {
                    // A read that fails (Redis restarting) skips one update; a write that fails
                    // (the client went) ends the stream.
                    let update: (figures: LiveFigures, isOver: Bool)?
                    do {
                        update = try await Self.figures(of: source, services: services, history: history)
                    } catch {
                        logger.debug("live figures skipped", metadata: ["error": "\(error)"])
                        update = nil
                    }
                    if let update {
                        try await writer.write(ByteBuffer(string: try update.figures.event()))
                        if update.isOver {
                            try await writer.write(ByteBuffer(string: "event: done\ndata: {}\n\n"))
                            break
                        }
                    }
                    try await Task.sleep(for: Self.interval)
                }
                try await writer.finish(nil)
            }
        )
    }
}

extension DashboardEvents {
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

extension HTTPField.Name {
    /// Tells a proxy in front (nginx) to pass the events on as they come.
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}
