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
        guard let secret = Self.bearerToken(in: authorization) else {
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

    /// The token of a `Bearer` credential (the scheme's case does not matter, RFC 9110 §11.1).
    static func bearerToken(in authorization: String) -> Substring? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].drop { $0 == " " }
        return token.isEmpty ? nil : token
    }
}
