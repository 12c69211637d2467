import ConveyorCore
import Crypto

/// A Lua script, known to the server by the SHA-1 of its source and run with `EVALSHA`,
/// so that each call sends 40 hex digits instead of the whole source.
///
/// Create scripts once (for example as static constants) and reuse them: the digest is computed at creation.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source, sent with `SCRIPT LOAD` when the server does not know the script yet.
    public let source: String
    /// The lowercase hex SHA-1 of `source`, as `SCRIPT LOAD` returns it.
    public let sha1: String

    /// Creates a script from its Lua source.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Hexadecimal.string(Insecure.SHA1.hash(data: Array(source.utf8)))
    }
}
