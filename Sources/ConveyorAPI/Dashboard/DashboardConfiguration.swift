/// How the dashboard at `/ui` signs its sessions.
public struct DashboardConfiguration: Sendable {
    /// Signs session cookies and CSRF tokens.
    let signer: SessionSigner
    /// How long a session lasts from sign-in.
    public var sessionLifetime: Duration

    /// The shortest `CONVEYOR_UI_SECRET` accepted, in bytes.
    public static let minimumSecretLength = 32

    /// - Parameter secret: the secret sessions are signed with, the same on every API process
    ///   that should accept the others' cookies; nil for a random one, which this process alone
    ///   knows (its sessions end when it stops).
    public init(secret: String? = nil, sessionLifetime: Duration = .seconds(12 * 3600)) {
        signer = SessionSigner(secret: secret.map { Array($0.utf8) })
        self.sessionLifetime = sessionLifetime
    }
}
