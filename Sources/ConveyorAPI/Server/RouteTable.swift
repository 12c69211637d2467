import Hummingbird
import Synchronization

/// The API's routes on a Hummingbird router. It remembers the methods each path takes, so
/// that ``MethodNotAllowedMiddleware`` can answer another method on a known path with 405
/// and `Allow`, where the router alone would answer 404.
final class RouteTable<Context: RequestContext>: RouterMethods {
    let router: Router<Context>
    /// Each path's methods, in the order the paths were added.
    let known = KnownRoutes()

    init(router: Router<Context>) {
        self.router = router
    }

    var routes: [(path: RouterPath, methods: [HTTPRequest.Method])] { known.routes }

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == Context {
        router.on(path, method: method, responder: responder)
        known.add(path, method: method)
        return self
    }

    @discardableResult
    func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}

/// The paths of the API and the methods each takes, filled while the routes are added and
/// read when a request matches no route.
final class KnownRoutes: Sendable {
    private let table = Mutex<[(path: RouterPath, methods: [HTTPRequest.Method])]>([])

    var routes: [(path: RouterPath, methods: [HTTPRequest.Method])] { table.withLock { $0 } }

    func add(_ path: RouterPath, method: HTTPRequest.Method) {
        table.withLock { table in
            if let index = table.firstIndex(where: { $0.path == path }) {
                table[index].methods.append(method)
            } else {
                table.append((path, [method]))
            }
        }
    }

    /// The methods of the route that `path` matches, as the router would pick it (a literal
    /// segment before a parameter), with HEAD wherever GET is; nil when no route matches.
    func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.filter { route in
            route.path.count == segments.count && zip(route.path, segments).allSatisfy { $0 ~= $1 }
        }
        // The most specific route: compared segment by segment, a literal wins over a parameter.
        let best = matching.max { lhs, rhs in
            let left = lhs.path.map(\.isLiteral)
            let right = rhs.path.map(\.isLiteral)
            return left.lexicographicallyPrecedes(right) { !$0 && $1 }
        }
        guard let methods = best?.methods else { return nil }
        return methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods
    }
}

extension RouterPath.Element {
    /// A fixed segment, not a parameter or wildcard: only those equal their own text.
    fileprivate var isLiteral: Bool { self == description }
}
