import ConveyorCore
import Hummingbird
import Logging

/// Gives every request an id: the caller's `X-Request-ID` when it is sane (1 to 128
/// visible ASCII characters), else a new one. The id goes into the context (and so into
/// the jobs the request creates, and their workers' timing lines), into the request's
/// log lines, and back to the caller in the response's `X-Request-ID`. A sane
/// `X-Correlation-ID` goes the same ways beside it; one that is not is left out.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// The longest id taken from a caller; a longer one is replaced, not cut.
    static let maxLength = 128

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = request.headers[.requestID].flatMap(Self.accepting) ?? Self.generate()
        context.requestID = requestID
        // The request's lines carry this id; Hummingbird's own would only repeat it, in a
        // form that costs more to write.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let correlationID = request.headers[.correlationID].flatMap(Self.accepting)
        if let correlationID {
            context.correlationID = correlationID
            context.logger[metadataKey: "correlation_id"] = .string(correlationID)
        }
        var response = try await next(request, context)
        response.headers[.requestID] = requestID
        if let correlationID { response.headers[.correlationID] = correlationID }
        return response
    }

    /// The caller's id, when it is safe to store and to print: bounded, and without
    /// spaces or control characters that could forge log lines.
    static func accepting(_ candidate: String) -> String? {
        let bytes = candidate.utf8
        guard (1...maxLength).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return candidate
    }

    /// A new id: a random UUID.
    static func generate() -> String {
        RandomUUID.make()
    }
}
