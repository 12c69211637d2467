import ConveyorCaches
import ConveyorCore
import ConveyorQueue
import Hummingbird

/// `/v1/caches`: a cached value of the caller's tenant, served from Redis alone, and
/// refreshes. A value not computed yet (or expired) is answered 202 with the refresh job
/// that computes it; requests meanwhile name the same job.
struct CachesController {
    let services: APIServices

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get(":name", use: show)
        routes.post(":name/refresh", use: refresh)
        return routes
    }

    /// `GET /v1/caches/{name}`: 200 with the value and its age, or 202 with the refresh job.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try context.authenticatedCaller()
        let value = try cachedValue(context)
        switch try await services.caches.lookup(value, tenant: caller.tenant, requestID: context.requestID) {
        case .value(let entry):
            return try CachedValueResponse(name: value.name, tenant: caller.tenant, entry: entry).response(from: request, context: context)
        case .refreshing(let job):
            return try CacheRefreshAccepted(name: value.name, tenant: caller.tenant, job: job).response(from: request, context: context)
        }
    }

    /// `POST /v1/caches/{name}/refresh`: 202 with the refresh job, the one pending already
    /// if there is one.
    @Sendable func refresh(_ request: Request, context: APIRequestContext) async throws -> CacheRefreshAccepted {
        let caller = try context.authenticatedCaller()
        let value = try cachedValue(context)
        let job = try await services.caches.refresh(value, tenant: caller.tenant, requestID: context.requestID)
        return CacheRefreshAccepted(name: value.name, tenant: caller.tenant, job: job)
    }

    /// The value the path names, or a 404 naming the known ones.
    private func cachedValue(_ context: APIRequestContext) throws -> CachedValue {
        let name = try context.parameters.require("name")
        let catalogue = services.caches.catalogue
        guard let value = catalogue.value(named: name) else {
            throw Problem.notFound(
                "there is no cached value '\(name)': known values are \(catalogue.names.joined(separator: ", "))",
                members: ["known_caches": .array(catalogue.names.map(JSONValue.string))]
            )
        }
        return value
    }
}
