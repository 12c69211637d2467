import ConveyorCore
import Crypto
import Foundation

/// Signs dashboard sessions into cookie values and checks them, and makes and checks the
/// forms' CSRF tokens, all with HMAC-SHA256 under one secret: the process's own, random,
/// or `CONVEYOR_UI_SECRET`, so that API processes sharing it accept each other's cookies.
struct SessionSigner: Sendable {
    private let secret: SymmetricKey

    /// - Parameter secret: the shared secret's bytes; nil for a random one of this process.
    init(secret: [UInt8]?) {
        self.secret = secret.map { SymmetricKey(data: $0) } ?? SymmetricKey(size: .bits256)
    }

    /// The cookie value of `session`: `name.issued.expires.signature`, the signature in hex.
    func cookieValue(of session: DashboardSession) -> String {
        "\(session.keyName).\(session.issuedAt).\(session.expiresAt).\(Hexadecimal.string(signature(of: session)))"
    }

    /// The session a cookie value holds, if the signature is this server's over the key's
    /// present fingerprint and the session has not ended at `now`; nil for anything forged,
    /// altered, malformed or expired, or for a key that `fingerprint` does not know.
    func session(in cookieValue: String, now: Int, fingerprint: (String) -> [UInt8]?) -> DashboardSession? {
        // The name may hold dots; the three fields after it never do.
        let fields = cookieValue.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count >= 4, cookieValue.utf8.count <= 512 else { return nil }
        let name = fields.dropLast(3).joined(separator: ".")
        guard APIKeyring.isName(name), let issued = Int(fields[fields.count - 3]), let expires = Int(fields[fields.count - 2]),
            let mac = Self.bytes(hex: fields[fields.count - 1]), let keyFingerprint = fingerprint(name)
        else { return nil }
        let session = DashboardSession(keyName: name, keyFingerprint: keyFingerprint, issuedAt: issued, expiresAt: expires)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(of: session), using: secret) else { return nil }
        // A minute's grace for the clocks of API processes that share the secret.
        return issued <= now + 60 && now < expires ? session : nil
    }

    /// The CSRF token of the forms of `session`: the HMAC of the session's id (its
    /// signature), so it is the same on every page of a session and worth nothing in another.
    func csrfToken(of session: DashboardSession) -> String {
        Hexadecimal.string(csrfCode(of: session))
    }

    /// Whether `token` is the CSRF token of `session`, compared in constant time.
    func isCSRFToken(_ token: String, of session: DashboardSession) -> Bool {
        guard let given = Self.bytes(hex: Substring(token)) else { return false }
        let expected = csrfCode(of: session)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func csrfCode(of session: DashboardSession) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("conveyor-csrf\n".utf8) + signature(of: session), using: secret))
    }

    private func signature(of session: DashboardSession) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(of: session), using: secret))
    }

    /// What is signed: the fields, each on a line of its own after a label, so that no two
    /// sessions and no CSRF token sign the same bytes.
    private static func message(of session: DashboardSession) -> [UInt8] {
        Array("conveyor-session\n\(session.keyName)\n\(Hexadecimal.string(session.keyFingerprint))\n\(session.issuedAt)\n\(session.expiresAt)".utf8)
    }

    /// The bytes of lowercase or uppercase hex text of 64 digits; nil for anything else.
    private static func bytes(hex text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Hexadecimal.value(of: digits[index]), let low = Hexadecimal.value(of: digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}

