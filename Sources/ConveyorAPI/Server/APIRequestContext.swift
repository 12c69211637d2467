import Foundation
import Hummingbird

/// What every request of the API carries besides itself: Hummingbird's core context and
/// the request id that ``RequestIDMiddleware`` settles.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's `X-Request-ID`, or one made for the request; stored in the jobs it creates.
    public var requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
    }

    /// Responses' JSON, with keys in a stable order.
    public var responseEncoder: JSONEncoder { Self.makeEncoder() }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
