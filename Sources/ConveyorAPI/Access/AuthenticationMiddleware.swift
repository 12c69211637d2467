import ConveyorCore
import Hummingbird
import Logging

/// Admits a request that carries a known key as `Authorization: Bearer <key>`, and puts the
/// key in the context; any other request is answered 401. The key's name goes into the
/// request's log lines, the secret never does.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let keyring: APIKeyring

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authorization = request.headers[.authorization] else {
            throw Problem.unauthorized("send an API key as 'Authorization: Bearer <key>'", invalidToken: false)
        }
        guard let secret = BearerCredential.token(in: authorization) else {
            throw Problem.unauthorized("the Authorization header must be 'Bearer <key>'", invalidToken: false)
        }
        guard let key = keyring.authenticate(secret) else {
            throw Problem.unauthorized("the API key is not valid: check it against the keys this API was given", invalidToken: true)
        }
        var context = context
        context.caller = key
        context.logger[metadataKey: "api_key"] = .string(key.name)
        context.logLine?.caller = key
        return try await next(request, context)
    }
}
