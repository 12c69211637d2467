import HTTPTypes
import Hummingbird
import NIOCore

/// A whole dashboard page: the navigation its visitor may use around `content`, sent with
/// headers that keep it out of caches and frames and let it load nothing but the
/// dashboard's own style sheet and script.
struct DashboardPage: Sendable {
    var title: String
    /// Who is looking, for the navigation and the sign-out form; nil on the sign-in page.
    var visitor: DashboardVisitor?
    var content: HTML
    var status: HTTPResponse.Status = .ok

    /// The page as a response.
    func response(setting cookie: String? = nil) -> Response {
        var headers = Self.headers
        if let cookie { headers[.setCookie] = cookie }
        let body = ByteBuffer(string: document.markup)
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// A `303 See Other` to `location`, as the answer to a form.
    static func redirect(to location: String, setting cookie: String? = nil) -> Response {
        var headers = Self.headers
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xFrameOptions: "DENY",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "same-origin",
    ]

    private var document: HTML {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Conveyor</title><link rel="stylesheet" href="/ui/assets/dashboard.css"><script src="/ui/assets/dashboard.js" defer></script></head>
        <body><header><a class="brand" href="/ui">Conveyor</a>\(navigation)</header>
        <main><h1>\(title)</h1>\(content)</main></body></html>
        """
    }

    private var navigation: HTML {
        guard let visitor else { return .empty }
        let links: [(String, String)] =
            (visitor.isAdmin ? [("/ui", "Overview"), ("/ui/queues", "Queues")] : [("/ui", "Overview")])
            + [("/ui/jobs", "Jobs"), ("/ui/scheduled", "Scheduled"), ("/ui/retrying", "Retrying"), ("/ui/imports", "Imports"), ("/ui/exports", "Exports"), ("/ui/caches", "Caches"), ("/ui/schedules", "Schedules")]
            + (visitor.isAdmin ? [("/ui/dead", "Dead"), ("/ui/workers", "Workers"), ("/ui/breakers", "Breakers")] : [])
        let items = links.map { path, label -> HTML in "<a href=\"\(path)\">\(label)</a>" }
        return """
            <nav>\(items)</nav><form class="sign-out" method="post" action="/ui/sign-out">\(Self.csrfField(visitor))\
            <span>\(visitor.key.name) · \(visitor.key.role.rawValue) · \(visitor.isAdmin ? "every tenant" : "tenant \(visitor.key.tenant)")</span>\
            <button type="submit">Sign out</button></form>
            """
    }

    /// The hidden field that carries the session's CSRF token in every form.
    static func csrfField(_ visitor: DashboardVisitor) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(visitor.csrfToken)\">"
    }

    /// A form of one button that POSTs to `action` with the CSRF token and `fields`.
    static func button(_ label: String, action: String, visitor: DashboardVisitor, fields: [(String, String)] = [], style: String = "") -> HTML {
        let hidden = fields.map { name, value -> HTML in "<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">" }
        return "<form class=\"inline\" method=\"post\" action=\"\(action)\">\(csrfField(visitor))\(hidden)<button type=\"submit\" class=\"\(style)\">\(label)</button></form>"
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
