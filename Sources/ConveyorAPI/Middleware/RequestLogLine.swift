import Synchronization

/// What the middleware inside ``RequestLogMiddleware`` learn of a request for its log line:
/// the caller's key, known only once ``AuthenticationMiddleware`` has checked it.
final class RequestLogLine: Sendable {
    private let key = Mutex<APIKey?>(nil)

    var caller: APIKey? {
        get { key.withLock { $0 } }
        set { key.withLock { $0 = newValue } }
    }
}
