import Hummingbird

/// Answers a request that matched no route, but whose path is a route's with another
/// method, with 405 and `Allow` listing the methods the path takes; any method, standard or
/// not. A request whose path matches no route goes on to be a 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let routes: KnownRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router's own "no route" is an HTTPError; endpoints throw problems.
            guard let allowed = routes.allowedMethods(for: request.uri.path) else { throw error }
            throw Problem.methodNotAllowed(request.method, path: request.uri.path, allowed: allowed)
        }
    }
}
