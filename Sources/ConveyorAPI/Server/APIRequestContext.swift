public import Foundation
public import Hummingbird

/// What every request of the API carries besides itself: Hummingbird's core context, the
/// request id that ``RequestIDMiddleware`` settles, and the caller's key once
/// ``AuthenticationMiddleware`` has admitted it.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's `X-Request-ID`, or one made for the request; stored in the jobs it creates.
    public var requestID: String
    /// The request id, in place of Hummingbird's, which ``RequestIDMiddleware`` takes out of
    /// the logger that Hummingbird's `id` reads it from.
    public var id: String { requestID }
    /// The caller's `X-Correlation-ID` when it sent a sane one; stored beside the request id.
    public var correlationID = ""
    /// The request's log line, which the middleware inside fills in (the caller's key) for
    /// ``RequestLogMiddleware`` outside them to write.
    var logLine: RequestLogLine?
    /// The key the request came with; nil on the open routes (`/health`, `/ready`).
    public var caller: APIKey?
    /// The request's `Idempotency-Key`, once ``IdempotencyMiddleware`` has let it run as the
    /// first with its key.
    var idempotency: IdempotentRequest?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
    }

    /// The caller's key, on a route behind ``AuthenticationMiddleware``.
    ///
    /// - Throws: a 401 problem when the route was reached without one, which only a route
    ///   added outside the authenticated group could do.
    func authenticatedCaller() throws(Problem) -> APIKey {
        guard let caller else { throw Problem.unauthorized("send an API key as 'Authorization: Bearer <key>'", invalidToken: false) }
        return caller
    }

    /// Responses' JSON, with keys in a stable order.
    public var responseEncoder: JSONEncoder { Self.makeEncoder() }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
