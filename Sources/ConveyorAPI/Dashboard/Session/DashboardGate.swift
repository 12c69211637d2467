import ConveyorCore
import Foundation
import Hummingbird

/// Admits dashboard requests: a session cookie signed by this server, not expired, of a
/// key the keyring still has with the same secret, becomes the page's ``DashboardVisitor``;
/// and a form's body counts only with the session's CSRF token.
struct DashboardGate: Sendable {
    let keyring: APIKeyring
    let configuration: DashboardConfiguration

    /// The largest form body read, in bytes: the dashboard's forms hold a token and a few ids.
    static let maxFormBytes = 64 << 10

    /// The visitor of the request's session.
    ///
    /// - Throws: ``DashboardError/signInNeeded`` without a cookie, ``DashboardError/signedOut``
    ///   with one that does not hold a live session of a key the keyring has.
    func visitor(of request: Request) throws(DashboardError) -> DashboardVisitor {
        guard let value = SessionCookie.value(in: request), !value.isEmpty else { throw .signInNeeded }
        let keys = keyring.keys
        guard let session = configuration.signer.session(in: value, now: Self.now(), fingerprint: { name in keys.first { $0.name == name }?.digest.fingerprint }),
            let key = keys.first(where: { $0.name == session.keyName })
        else { throw .signedOut }
        return DashboardVisitor(key: key, session: session, csrfToken: configuration.signer.csrfToken(of: session))
    }

    /// A session for `key`, beginning now, and its cookie's value.
    func signIn(_ key: APIKey) -> (session: DashboardSession, cookie: String) {
        let now = Self.now()
        let session = DashboardSession(
            keyName: key.name, keyFingerprint: key.digest.fingerprint, issuedAt: now, expiresAt: now + Int(configuration.sessionLifetime.components.seconds)
        )
        return (session, configuration.signer.cookieValue(of: session))
    }

    /// The fields of a form POSTed by `visitor`, once its `csrf` field is the session's token.
    ///
    /// - Throws: ``DashboardError/csrfMismatch`` when the token is missing or another's.
    func form(of request: Request, from visitor: DashboardVisitor) async throws -> DashboardForm {
        let form = try await DashboardForm.read(request, upTo: Self.maxFormBytes)
        guard let token = form["csrf"], configuration.signer.isCSRFToken(token, of: visitor.session) else {
            throw DashboardError.csrfMismatch
        }
        return form
    }

    static func now() -> Int {
        Int(Date().timeIntervalSince1970)
    }
}
