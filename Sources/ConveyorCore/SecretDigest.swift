import Crypto

/// The SHA-256 of a secret (an API key's, the metrics token): all a process keeps of it, so the
/// secret can be neither logged nor leaked from a memory dump of the configuration.
public struct SecretDigest: Sendable, Hashable {
    private let bytes: [UInt8]

    public init(of secret: some StringProtocol) {
        bytes = Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// A digest of this digest: it tells nothing of the secret, yet changes with it, so that
    /// what is bound to it (a dashboard session to its key) ends when the secret is replaced.
    public var fingerprint: [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// Whether both digests are one, found by looking at every byte of them: the time taken
    /// says nothing about how close a guess came.
    public func matches(_ other: SecretDigest) -> Bool {
        zip(bytes, other.bytes).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
