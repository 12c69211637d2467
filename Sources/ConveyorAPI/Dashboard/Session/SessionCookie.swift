import HTTPTypes
import Hummingbird

/// The `conveyor_session` cookie: its name, and the `Set-Cookie` values that set and clear
/// it. It is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends
/// it), scoped to `/ui`, and `Secure` when the request came over TLS.
enum SessionCookie {
    static let name = "conveyor_session"

    /// Sets the cookie to `value` for `seconds`.
    static func setting(_ value: String, seconds: Int, for request: Request) -> String {
        "\(name)=\(value); Max-Age=\(seconds)" + attributes(for: request)
    }

    /// Clears the cookie.
    static func clearing(for request: Request) -> String {
        "\(name)=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" + attributes(for: request)
    }

    /// The cookie's value in `request`, if it sent one.
    static func value(in request: Request) -> String? {
        request.cookies[name]?.value
    }

    private static func attributes(for request: Request) -> String {
        "; Path=/ui; HttpOnly; SameSite=Strict" + (isSecure(request) ? "; Secure" : "")
    }

    /// Whether the request reached us over TLS: its URI's scheme is `https`, or the proxy
    /// in front of the API, which ends TLS, says so. A client that claims it falsely only
    /// makes its own cookie stricter.
    static func isSecure(_ request: Request) -> Bool {
        request.uri.scheme?.rawValue == "https" || request.headers[.forwardedProto]?.lowercased() == "https"
    }
}

extension HTTPField.Name {
    static let forwardedProto = Self("X-Forwarded-Proto")!
}
