import ConveyorExports
import ConveyorImports
import Foundation
import Hummingbird

/// The pages of imports and exports, found by id: an import's progress bar and failed
/// chunks, an export's record and its file. A producer sees its own tenant's only; another
/// tenant's is "not found", as one that does not exist. The file is served by the same
/// endpoint as `GET /v1/exports/{id}/file`, with the session's key as the caller.
struct DashboardRecords: Sendable {
    let gate: DashboardGate
    let services: APIServices
    let exports: ExportsController

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("imports", use: importLookup)
        routes.get("imports/:id", use: importPage)
        routes.get("exports", use: exportLookup)
        routes.get("exports/:id", use: exportPage)
        routes.get("exports/:id/file", use: download)
    }

    @Sendable func importLookup(_ request: Request, context: APIRequestContext) async throws -> Response {
        try lookup(request, what: "import", hint: "the id that POST /v1/imports/{dataset} answered")
    }

    @Sendable func exportLookup(_ request: Request, context: APIRequestContext) async throws -> Response {
        try lookup(request, what: "export", hint: "the id that POST /v1/exports answered")
    }

    @Sendable func importPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let id = try context.parameters.require("id")
        guard let progress = try await services.imports.progress(id: id), visitor.key.canAccess(tenant: progress.tenant) else {
            throw DashboardError.notFound("there is no import '\(id.prefix(100))': use the id that POST /v1/imports/{dataset} answered")
        }
        return DashboardPage(title: "Import into \(progress.dataset)", visitor: visitor, content: ImportDetails(progress: progress).html).response()
    }

    @Sendable func exportPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let record = try await exports.show(request, context: Self.context(context, as: visitor))
        return DashboardPage(title: "Export \(record.export)", visitor: visitor, content: ExportDetails(record: record).html).response()
    }

    @Sendable func download(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        return try await exports.download(request, context: Self.context(context, as: visitor))
    }

    private func lookup(_ request: Request, what: String, hint: String) throws -> Response {
        let visitor = try gate.visitor(of: request)
        if let id = request.uri.queryParameters.get("id")?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
            guard id.utf8.count <= 64, id.utf8.allSatisfy({ $0 < 128 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber) }) else {
                throw DashboardError.badRequest("'\(id.prefix(64))' is not an \(what) id: use \(hint)")
            }
            return DashboardPage.redirect(to: "/ui/\(what)s/\(id)")
        }
        let content: HTML = """
            <form class="lookup" method="get" action="/ui/\(what)s"><label>\(what.capitalized) id <input type="text" name="id" required></label>\
            <button type="submit">Open</button></form><p class="hint">Find an \(what) by \(hint). \
            The \(what)s module keeps no list of \(what)s to page through, so each is found by its id.</p>
            """
        return DashboardPage(title: "\(what.capitalized)s", visitor: visitor, content: content).response()
    }

    /// The request's context with the session's key as the caller, for the API's endpoints.
    private static func context(_ context: APIRequestContext, as visitor: DashboardVisitor) -> APIRequestContext {
        var context = context
        context.caller = visitor.key
        return context
    }
}
