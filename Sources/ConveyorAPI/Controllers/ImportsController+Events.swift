import ConveyorImports
import Hummingbird

extension ImportsController {
    /// How often an import's event stream reads the import from PostgreSQL.
    static let eventInterval = Duration.seconds(1)

    /// `GET /v1/imports/{id}/events`: the import's progress as server-sent events
    /// (``ImportEvents``) until it finishes, for at most as long as a job's stream.
    @Sendable func events(_ request: Request, context: APIRequestContext) async throws -> Response {
        let progress = try await visibleImport(context)
        return EventStream.response(
            of: ImportEvents(imports: services.imports, id: progress.id), every: Self.eventInterval,
            lifetime: JobsController.eventStreamLifetime, logger: context.logger
        )
    }
}
