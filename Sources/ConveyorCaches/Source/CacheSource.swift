public import ConveyorExternal

/// Where a cached value's document comes from: a URL fetched with GET through the
/// circuit-breaking client, its JSON body given to the value's query as `:source`.
public struct CacheSource: Sendable {
    /// The URL as written in the file, `${VARIABLE:-default}` references and all.
    public let template: String
    /// The URL fetched: the template with its references resolved when the file was read.
    public let url: ExternalURL

    public init(template: String, url: ExternalURL) {
        self.template = template
        self.url = url
    }
}

/// A source's answer that cannot be a value's document.
public enum CacheSourceError: Error, CustomStringConvertible, Sendable {
    /// The body is not JSON.
    case notJSON(url: String, bodyStart: String)

    public var description: String {
        switch self {
        case .notJSON(let url, let bodyStart):
            "GET \(url) answered a body that is not JSON, so it cannot be the value's :source"
                + (bodyStart.isEmpty ? " (it was empty)" : ": \(bodyStart)")
        }
    }
}
