import Foundation

/// The TLS settings of a connection string, checked when the configuration is made: libpq
/// looks at them only when it connects, so a mistake would otherwise show as connections
/// failing over and over, far from the setting that causes it.
struct PostgresTLSSettings {
    /// The `sslmode` values libpq knows.
    static let modes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
    /// The keywords that name files libpq reads for TLS.
    static let fileKeywords = ["sslrootcert", "sslcert", "sslkey", "sslcrl"]

    /// - Throws: ``PostgresError`` of kind `invalidConfiguration` naming `settingName` and
    ///   what to change: an unknown `sslmode`, a named file this process cannot read, or a
    ///   `verify-ca`/`verify-full` mode with no root certificate to verify the server with.
    static func check(_ settings: PostgresConnectionSettings, settingName: String) throws {
        func refuse(_ message: String) -> PostgresError {
            PostgresError(kind: .invalidConfiguration, message: "\(settingName)'s \(message)")
        }
        let mode = settings["sslmode"]
        if let mode, !modes.contains(mode) {
            throw refuse("sslmode is '\(mode)': use one of \(modes.joined(separator: ", "))")
        }
        for keyword in fileKeywords {
            guard let path = settings[keyword] else { continue }
            if let problem = unreadable(path) {
                throw refuse("\(keyword) names \(path), which this process cannot read (\(problem))")
            }
        }
        if let mode, mode.hasPrefix("verify-"), settings["sslrootcert"] == nil, let path = defaultRootCertificate,
            let problem = unreadable(path)
        {
            throw refuse(
                "sslmode is \(mode), which verifies the server's certificate, but no root certificate is given and \(path) "
                    + "cannot be read (\(problem)): add sslrootcert=/path/to/ca.pem, the certificate of the authority that signed the server's"
            )
        }
    }

    /// Where libpq looks for the root certificate when the connection string names none:
    /// `PGSSLROOTCERT`, else `.postgresql/root.crt` in the home folder of the process's user.
    static var defaultRootCertificate: String? {
        if let path = ProcessInfo.processInfo.environment["PGSSLROOTCERT"], !path.isEmpty { return path }
        guard let entry = getpwuid(geteuid()), let home = entry.pointee.pw_dir else { return nil }
        return String(cString: home) + "/.postgresql/root.crt"
    }

    /// Why `path` cannot be read, or nil when it can.
    private static func unreadable(_ path: String) -> String? {
        access(path, R_OK) == 0 ? nil : String(cString: strerror(errno))
    }
}
