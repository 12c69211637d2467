import Hummingbird

/// Lets through only callers whose key has at least `role`; others are answered 403. It
/// runs after ``AuthenticationMiddleware``, which has settled who the caller is.
struct RoleMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let role: APIRole

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let caller = try context.authenticatedCaller()
        guard caller.role >= role else {
            throw Problem.forbidden(
                "\(request.method.rawValue) \(request.uri.path) needs an \(role.rawValue) key; key '\(caller.name)' is a \(caller.role.rawValue) key"
            )
        }
        return try await next(request, context)
    }
}
