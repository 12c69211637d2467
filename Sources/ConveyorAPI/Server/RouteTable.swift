import Hummingbird

/// The API's routes on a Hummingbird router. It remembers the methods each path takes,
/// so that ``refuseOtherMethods()`` can answer another method on a known path with 405
/// and `Allow`, where the router alone would answer 404.
final class RouteTable<Context: RequestContext>: RouterMethods {
    let router: Router<Context>
    /// Each path's methods, in the order the paths were added.
    private(set) var routes: [(path: RouterPath, methods: [HTTPRequest.Method])] = []

    /// The methods answered with 405 on a path that does not take them. Others (CONNECT,
    /// TRACE, extensions) are answered 404, like unknown paths.
    private static var refusable: [HTTPRequest.Method] { [.get, .head, .post, .put, .patch, .delete, .options] }

    init(router: Router<Context>) {
        self.router = router
    }

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == Context {
        router.on(path, method: method, responder: responder)
        if let index = routes.firstIndex(where: { $0.path == path }) {
            routes[index].methods.append(method)
        } else {
            routes.append((path, [method]))
        }
        return self
    }

    @discardableResult
    func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }

    /// Answers, on every path added so far, the methods it does not take with 405 and
    /// the ones it does in `Allow`. HEAD is allowed wherever GET is.
    func refuseOtherMethods() {
        for (path, methods) in routes {
            let allowed = methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods
            let refusal = CallbackResponder<Context> { request, _ in
                throw Problem.methodNotAllowed(request.method, path: request.uri.path, allowed: allowed)
            }
            for method in Self.refusable where !allowed.contains(method) {
                router.on(path, method: method, responder: refusal)
            }
        }
    }
}
