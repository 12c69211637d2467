/// An outbound HTTP request.
public struct ExternalRequest: Sendable {
    /// The methods an external call may use.
    public enum Method: String, Sendable {
        case get = "GET"
        case head = "HEAD"
        case post = "POST"
        case put = "PUT"
        case patch = "PATCH"
        case delete = "DELETE"
    }

    public var method: Method
    public var url: ExternalURL
    /// Header names and values, sent in this order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(_ method: Method, _ url: ExternalURL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}
