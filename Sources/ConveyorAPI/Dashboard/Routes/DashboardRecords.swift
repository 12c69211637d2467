import ConveyorExports
import ConveyorImports
import Foundation
import Hummingbird

/// The pages of imports and exports: their lists, newest first, and each one's page, found by
/// id: an import's progress bar and failed chunks, an export's record and its file. A producer
/// sees its own tenant's only; another tenant's is "not found", as one that does not exist. An
/// admin sees every tenant's, or one tenant's. The file is served by the same endpoint as
/// `GET /v1/exports/{id}/file`, with the session's key as the caller.
struct DashboardRecords: Sendable {
    let gate: DashboardGate
    let services: APIServices
    let exports: ExportsController

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("imports", use: importList)
        routes.get("imports/:id", use: importPage)
        routes.get("exports", use: exportList)
        routes.get("exports/:id", use: exportPage)
        routes.get("exports/:id/file", use: download)
    }

    /// The deepest offset of the lists' pages.
    static let deepest = 10_000

    @Sendable func importList(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await list(request, what: "import", hint: "the id that POST /v1/imports/{dataset} answered") { tenant, offset in
            let imports = try await services.imports.newest(of: tenant, offset: offset, limit: DashboardJobs.pageSize + 1)
            return (ImportList(imports: Array(imports.prefix(DashboardJobs.pageSize))).html, imports.count > DashboardJobs.pageSize)
        }
    }

    @Sendable func exportList(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await list(request, what: "export", hint: "the id that POST /v1/exports answered") { tenant, offset in
            let records = try await services.exports.newest(of: tenant, offset: offset, limit: DashboardJobs.pageSize + 1)
            return (ExportList(records: Array(records.prefix(DashboardJobs.pageSize))).html, records.count > DashboardJobs.pageSize)
        }
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

    /// `/ui/imports` or `/ui/exports`: `?id=` goes to one's page; else the form that opens one
    /// by id and a page of the list, which `page` reads for a tenant (nil: every tenant's) from
    /// an offset, answering its table and whether older rows follow.
    private func list(
        _ request: Request, what: String, hint: String, page: (_ tenant: String?, _ offset: Int) async throws -> (table: HTML, hasMore: Bool)
    ) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let query = request.uri.queryParameters
        if let id = DashboardInput.text(query.get("id")) {
            guard id.utf8.count <= 64, id.utf8.allSatisfy({ $0 < 128 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber) }) else {
                throw DashboardError.badRequest("'\(id.prefix(64))' is not an \(what) id: use \(hint)")
            }
            return DashboardPage.redirect(to: "/ui/\(what)s/\(id)")
        }
        let tenant = visitor.isAdmin ? DashboardInput.text(query.get("tenant")) : visitor.key.tenant
        let offset = DashboardInput.offset(query.get("offset"), upTo: Self.deepest)
        let (table, hasMore) = try await page(tenant, offset)
        let tenantQuery = visitor.isAdmin ? tenant.map { "tenant=\(DashboardInput.queryValue($0))" } ?? "" : ""
        let filter: HTML =
            visitor.isAdmin
            ? """
            <form class="filter" method="get" action="/ui/\(what)s">\(FilterFields.tenant(tenant, blank: "every tenant", visitor: visitor))\
            <button type="submit">Show</button></form>
            """ : .empty
        let content: HTML = """
            <form class="lookup" method="get" action="/ui/\(what)s"><label>\(what.capitalized) id <input type="text" name="id" required></label>\
            <button type="submit">Open</button></form>\(filter)\(table)\(Pager.links("/ui/\(what)s?\(tenantQuery)", offset: offset, hasMore: hasMore))\
            <p class="hint">The \(what)s \(visitor.isAdmin ? (tenant.map { "of tenant \($0)" } ?? "of every tenant") : "of tenant \(visitor.key.tenant)"), \
            the newest first, \(DashboardJobs.pageSize) a page, as far back as the \(what)s' retention keeps them (pages go \
            \(Figures.count(Self.deepest)) deep); any is opened by \(hint).</p>
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
