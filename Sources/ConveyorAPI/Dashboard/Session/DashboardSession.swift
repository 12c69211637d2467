/// A signed-in visitor of the dashboard: which key signed in, when, and until when. The
/// cookie carries it with the server's signature and never the key's secret; the key is
/// looked up again by name on every request, and the signature covers a fingerprint of its
/// secret, so a key taken out of the keyring, or given another secret, ends its sessions.
struct DashboardSession: Sendable, Equatable {
    /// The name of the key that signed in.
    var keyName: String
    /// The fingerprint of the key's secret (``SecretDigest/fingerprint``): signed, never sent.
    var keyFingerprint: [UInt8]
    /// Seconds since 1970 when the session began.
    var issuedAt: Int
    /// Seconds since 1970 when it ends.
    var expiresAt: Int
}
