import ConveyorCore

/// One caller of the API: a named key with a role and a tenant. The secret itself is not
/// kept, only its SHA-256 digest, so it can be neither logged nor leaked from memory dumps
/// of the configuration.
public struct APIKey: Sendable, Equatable {
    /// The key's name, as logs and rate-limit counters know it; never the secret.
    public var name: String
    public var role: APIRole
    /// The tenant whose jobs and imports the key creates and, as a producer, may see.
    public var tenant: String
    let digest: SecretDigest

    /// - Parameter secret: the bearer token callers send; only its digest is kept.
    public init(name: String, role: APIRole, tenant: String, secret: String) {
        self.name = name
        self.role = role
        self.tenant = tenant
        self.digest = SecretDigest(of: secret)
    }

    /// Whether this key may see and change what belongs to `tenant`: an admin every tenant's,
    /// a producer its own only.
    public func canAccess(tenant: String) -> Bool {
        role == .admin || tenant == self.tenant
    }
}
