import ConveyorCore
import Hummingbird

/// Admits to `/metrics` a request whose bearer token is the metrics token (so that a
/// Prometheus server needs no API key) or an admin key; 401 without either, 403 for a
/// producer key.
struct MetricsAccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let keyring: APIKeyring
    /// The metrics token's; nil when none is set and only admin keys may scrape.
    let tokenDigest: SecretDigest?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authorization = request.headers[.authorization], let token = BearerCredential.token(in: authorization) else {
            throw Problem.unauthorized("send the metrics token or an admin key as 'Authorization: Bearer <token>'", invalidToken: false)
        }
        if let tokenDigest, tokenDigest.matches(SecretDigest(of: token)) {
            return try await next(request, context)
        }
        guard let key = keyring.authenticate(token) else {
            throw Problem.unauthorized("the token is neither the metrics token nor an API key", invalidToken: true)
        }
        guard key.role == .admin else {
            throw Problem.forbidden("/metrics needs the metrics token or an admin key; key '\(key.name)' is a producer key")
        }
        return try await next(request, context)
    }
}
