import ConveyorCaches
import ConveyorQueue
import Foundation
import Hummingbird

/// `/ui/caches`: the cached values of the catalogue for the key's tenant, as `/v1/caches`
/// serves them. Reading a value that is missing enqueues its refresh, which a `GET` may not
/// do, so a value and its age are shown in answer to a form (`POST`, with the CSRF token), as
/// is a refresh, which leads to its job's page.
struct DashboardCaches: Sendable {
    let gate: DashboardGate
    let services: APIServices

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("caches", use: list)
        routes.post("caches/:name/value", use: value)
        routes.post("caches/:name/refresh", use: refresh)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        let catalogue = services.caches.catalogue
        let rows = catalogue.names.compactMap(catalogue.value(named:)).map { value -> HTML in
            """
            <tr><td>\(value.name)</td><td>\(value.summary)</td><td class="number">\(Figures.duration(value.ttl))</td>\
            <td>\(DashboardPage.button("Show value", action: "/ui/caches/\(value.name)/value", visitor: visitor))\
            \(DashboardPage.button("Refresh", action: "/ui/caches/\(value.name)/refresh", visitor: visitor))</td></tr>
            """
        }
        let content: HTML = """
            <p class="hint">The values of tenant <strong>\(visitor.key.tenant)</strong>, the key's, as <code>GET /v1/caches/{name}</code> \
            serves them. Showing a value that is not computed yet starts its refresh.</p>\
            <table><thead><tr><th>Value</th><th>What</th><th>TTL</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return DashboardPage(title: "Cached values", visitor: visitor, content: content).response()
    }

    @Sendable func value(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        _ = try await gate.form(of: request, from: visitor)
        let value = try cachedValue(context)
        let content: HTML
        switch try await services.caches.lookup(value, tenant: visitor.key.tenant, requestID: context.requestID) {
        case .value(let entry):
            content = """
                <table class="fields"><tr><th>Tenant</th><td>\(visitor.key.tenant)</td></tr>\
                <tr><th>Age</th><td data-age>\(Figures.duration(entry.age))</td></tr><tr><th>Computed</th><td>\(Figures.time(entry.computedAt))</td></tr>\
                <tr><th>Served for</th><td>\(Figures.duration(entry.remaining)) more</td></tr></table>\
                <p>\(DashboardPage.button("Refresh", action: "/ui/caches/\(value.name)/refresh", visitor: visitor))</p>\
                <h2>Value</h2><pre>\(JobDetails.pretty(String(decoding: entry.json, as: UTF8.self)))</pre>
                """
        case .refreshing(let job):
            content = "<p>Not computed yet: job <a href=\"/ui/jobs/\(job.description)\"><code>\(job.description)</code></a> is computing it.</p>"
        }
        return DashboardPage(title: "Cached value \(value.name)", visitor: visitor, content: content).response()
    }

    @Sendable func refresh(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        _ = try await gate.form(of: request, from: visitor)
        let job = try await services.caches.refresh(try cachedValue(context), tenant: visitor.key.tenant, requestID: context.requestID)
        return DashboardPage.redirect(to: "/ui/jobs/\(job.description)")
    }

    private func cachedValue(_ context: APIRequestContext) throws -> CachedValue {
        let name = try context.parameters.require("name")
        guard let value = services.caches.catalogue.value(named: name) else {
            throw DashboardError.notFound("there is no cached value '\(name.prefix(100))': the caches page lists them")
        }
        return value
    }
}
