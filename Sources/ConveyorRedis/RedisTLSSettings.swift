#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TLS to Redis, from a `rediss://` URL: whom to trust, and for mutual TLS the client's own
/// certificate. The server's certificate must name the host connected to (or ``serverName``)
/// and chain to ``caFile``, else to the system's trusted roots.
public struct RedisTLSSettings: Sendable, Equatable {
    /// A PEM file of the certificates that may sign the server's; nil trusts the system's.
    public var caFile: String?
    /// A PEM file of the client's certificate (and its chain), for servers that ask for one
    /// (`tls-auth-clients yes`); given with ``keyFile``.
    public var certificateFile: String?
    /// The PEM file of the client certificate's private key.
    public var keyFile: String?
    /// The name the server's certificate must carry, when not the host of the URL (a server
    /// reached by IP address whose certificate names it by DNS name).
    public var serverName: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }

    /// The URL query's names for each setting.
    static let queryNames = ["ca": \Self.caFile, "cert": \Self.certificateFile, "key": \Self.keyFile, "servername": \Self.serverName]

    /// Reads `ca=FILE&cert=FILE&key=FILE&servername=NAME`, percent-decoded, and checks that the
    /// files can be read, so that a process stops at start rather than at its first connection.
    ///
    /// - Returns: the settings, or the reason they are wrong.
    static func parse(query: Substring) -> Result<RedisTLSSettings, RedisConfiguration.URLPartError> {
        var settings = RedisTLSSettings()
        if let error = RedisConfiguration.readOptions(
            query, into: &settings, names: queryNames,
            example: { $0 == "servername" ? "redis.internal" : "/etc/conveyor/\($0).pem" }
        ) {
            return .failure(error)
        }
        guard (settings.certificateFile == nil) == (settings.keyFile == nil) else {
            return .failure(.init("a client certificate needs both cert= and key="))
        }
        for (name, file) in [("ca", settings.caFile), ("cert", settings.certificateFile), ("key", settings.keyFile)] {
            guard let file else { continue }
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                return .failure(.init("\(name) file '\(file)' cannot be read: \(String(cString: strerror(errno)))"))
            }
            close(descriptor)
        }
        return .success(settings)
    }
}
