/// How many requests one key may make per window, e.g. 6,000 per minute.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// Requests allowed in one window.
    public var requests: Int
    /// The window; a key's count starts at its first request and is reset when the window ends.
    public var window: Duration

    public init(requests: Int, window: Duration) {
        self.requests = requests
        self.window = window
    }

    public var description: String { "\(requests) per \(window)" }
}
