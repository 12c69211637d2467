import Foundation
import HTTPTypes
import Logging
import Hummingbird

/// `/ui/sign-in` and `/ui/sign-out`: an API key becomes a session cookie, and the cookie
/// is cleared again. A wrong key is answered with the same words whatever was wrong with
/// it, and the cookie never holds the key.
struct DashboardSignIn: Sendable {
    let gate: DashboardGate

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("sign-in", use: form)
        routes.post("sign-in", use: signIn)
        routes.post("sign-out", use: signOut)
    }

    @Sendable func form(_ request: Request, context: APIRequestContext) async throws -> Response {
        let ended = request.uri.queryParameters.get("ended") != nil
        return Self.page(note: ended ? "Your session ended: sign in again." : nil).response()
    }

    @Sendable func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        // No session yet to bind a token to: a form posted from another site is refused by
        // what the browser says of its origin.
        guard request.headers[.secFetchSite] != "cross-site" else {
            throw DashboardError.forbidden("sign-in takes only the dashboard's own form")
        }
        let form = try await DashboardForm.read(request, upTo: DashboardGate.maxFormBytes)
        let secret = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !secret.isEmpty, let key = gate.keyring.authenticate(secret) else {
            var page = Self.page(note: "That API key is not valid.", isProblem: true)
            page.status = .unauthorized
            return page.response()
        }
        context.logger.info("dashboard sign-in", metadata: ["api_key": .string(key.name)])
        let (session, cookie) = gate.signIn(key)
        return DashboardPage.redirect(
            to: "/ui", setting: SessionCookie.setting(cookie, seconds: session.expiresAt - session.issuedAt, for: request)
        )
    }

    @Sendable func signOut(_ request: Request, context: APIRequestContext) async throws -> Response {
        let visitor = try gate.visitor(of: request)
        _ = try await gate.form(of: request, from: visitor)
        return DashboardPage.redirect(to: "/ui/sign-in", setting: SessionCookie.clearing(for: request))
    }

    private static func page(note: String?, isProblem: Bool = false) -> DashboardPage {
        let message: HTML = note.map { "<p class=\"\(isProblem ? "problem" : "note")\">\($0)</p>" } ?? .empty
        return DashboardPage(
            title: "Sign in", visitor: nil,
            content: """
                \(message)<form class="sign-in" method="post" action="/ui/sign-in">\
                <label>API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>\
                <button type="submit">Sign in</button></form>\
                <p class="hint">An admin key sees every tenant and may act on queues and jobs; a producer key sees its own tenant's jobs.</p>
                """
        )
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
