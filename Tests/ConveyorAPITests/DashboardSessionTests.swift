@testable import ConveyorAPI
import ConveyorCore
import Foundation
import Testing

@Suite("The dashboard's session cookie and CSRF tokens")
struct DashboardSessionTests {
    static let now = 1_800_000_000
    static let fingerprint = SecretDigest(of: "secret-of-ops-0123456789").fingerprint
    static let session = DashboardSession(keyName: "ops.team", keyFingerprint: fingerprint, issuedAt: now, expiresAt: now + 12 * 3600)

    /// The keyring of these tests: `ops.team`, and `admin` with another secret.
    static func known(_ name: String) -> [UInt8]? {
        switch name {
        case "ops.team": fingerprint
        case "admin": SecretDigest(of: "secret-of-admin-0123456789").fingerprint
        default: nil
        }
    }

    @Test("a signed session reads back whole; the cookie holds the key's name, never its secret")
    func signAndVerify() {
        let signer = SessionSigner(secret: nil)
        let value = signer.cookieValue(of: Self.session)
        #expect(value.hasPrefix("ops.team.\(Self.now).\(Self.now + 12 * 3600)."))
        #expect(!value.contains("secret-of"))
        #expect(signer.session(in: value, now: Self.now + 60, fingerprint: Self.known) == Self.session)
    }

    @Test("any altered field, another signature, or another server's secret reads as no session")
    func tampered() {
        let signer = SessionSigner(secret: nil)
        let value = signer.cookieValue(of: Self.session)
        let signature = value.split(separator: ".").last.map(String.init) ?? ""
        let forged = [
            value.replacingOccurrences(of: "ops.team.", with: "admin."),
            value.replacingOccurrences(of: ".\(Self.now + 12 * 3600).", with: ".\(Self.now + 99 * 3600)."),
            value.replacingOccurrences(of: ".\(Self.now).", with: ".\(Self.now + 1)."),
            String(value.dropLast()) + (value.last == "0" ? "1" : "0"),
            "ops.team.\(Self.now).\(Self.now + 10)." + signature,
            "ops.team.\(Self.now).\(Self.now + 12 * 3600)",
            "", "garbage", String(repeating: "a", count: 600),
        ]
        for cookie in forged {
            #expect(signer.session(in: cookie, now: Self.now + 60, fingerprint: Self.known) == nil, "accepted: \(cookie)")
        }
        #expect(SessionSigner(secret: nil).session(in: value, now: Self.now + 60, fingerprint: Self.known) == nil, "another process's random secret")
    }

    @Test("processes that share CONVEYOR_UI_SECRET accept each other's cookies")
    func sharedSecret() {
        let secret = Array("0123456789abcdef0123456789abcdef".utf8)
        let value = SessionSigner(secret: secret).cookieValue(of: Self.session)
        #expect(SessionSigner(secret: secret).session(in: value, now: Self.now, fingerprint: Self.known) == Self.session)
        #expect(SessionSigner(secret: Array("another-secret-0123456789abcdef!!".utf8)).session(in: value, now: Self.now, fingerprint: Self.known) == nil)
    }

    @Test("a key taken out of the keyring, or given another secret, ends its sessions")
    func keyChanged() {
        let signer = SessionSigner(secret: nil)
        let value = signer.cookieValue(of: Self.session)
        #expect(signer.session(in: value, now: Self.now, fingerprint: { _ in nil }) == nil)
        #expect(signer.session(in: value, now: Self.now, fingerprint: { _ in SecretDigest(of: "a-new-secret-0123456789").fingerprint }) == nil)
        #expect(signer.session(in: value, now: Self.now, fingerprint: Self.known) == Self.session)
    }

    @Test("a session is good from its start until its expiry, not after")
    func expiry() {
        let signer = SessionSigner(secret: nil)
        let value = signer.cookieValue(of: Self.session)
        #expect(signer.session(in: value, now: Self.session.expiresAt - 1, fingerprint: Self.known) != nil)
        #expect(signer.session(in: value, now: Self.session.expiresAt, fingerprint: Self.known) == nil)
        #expect(signer.session(in: value, now: Self.session.expiresAt + 3600, fingerprint: Self.known) == nil)
        #expect(signer.session(in: value, now: Self.now - 3600, fingerprint: Self.known) == nil, "issued in the future")
    }

    @Test("a CSRF token is its session's: the same on every page, worth nothing in another session")
    func csrf() {
        let signer = SessionSigner(secret: nil)
        let token = signer.csrfToken(of: Self.session)
        #expect(token.count == 64)
        #expect(signer.csrfToken(of: Self.session) == token)
        #expect(signer.isCSRFToken(token, of: Self.session))
        #expect(signer.isCSRFToken(token.uppercased(), of: Self.session))
        var other = Self.session
        other.issuedAt += 1
        #expect(!signer.isCSRFToken(token, of: other))
        #expect(!signer.isCSRFToken(signer.csrfToken(of: other), of: Self.session))
        #expect(!signer.isCSRFToken("", of: Self.session))
        #expect(!signer.isCSRFToken(String(token.dropLast()), of: Self.session))
        #expect(!SessionSigner(secret: nil).isCSRFToken(token, of: Self.session), "another server's token")
    }

    @Test("text put into a page is escaped; markup is not")
    func escaping() {
        let name = "<script>alert('x')</script> & \"quotes\""
        let cell: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(cell.markup == "<td title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;</td>")
        let rows: [HTML] = ["<tr>\(1)</tr>", "<tr>\(2)</tr>"]
        let table: HTML = "<table>\(rows)</table>"
        #expect(table.markup == "<table><tr>1</tr><tr>2</tr></table>")
    }
}
