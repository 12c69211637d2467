import CLibPQ

/// Where a connection string points, without its password: for error messages and logs.
struct PostgresServerAddress: Sendable, CustomStringConvertible {
    var host: String
    var port: String
    var user: String?
    var database: String?

    /// `user@host:port/database`, leaving out what the connection string leaves to libpq's defaults.
    var description: String {
        var text = ""
        if let user { text += "\(user)@" }
        text += "\(self.host):\(self.port)"
        if let database { text += "/\(database)" }
        return text
    }
}

/// The settings that libpq found in a connection string, by keyword.
struct PostgresConnectionSettings: Sendable {
    private var values: [String: String] = [:]

    /// Parses `conninfo` with `PQconninfoParse`; on failure throws libpq's own message.
    init(parsing conninfo: String) throws(PostgresConnectionSettingsError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            defer { errorMessage.map { PQfreemem($0) } }
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            throw PostgresConnectionSettingsError(libpqMessage: message)
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                self.values[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
    }

    subscript(keyword: String) -> String? {
        self.values[keyword].flatMap { $0.isEmpty ? nil : $0 }
    }

    var address: PostgresServerAddress {
        PostgresServerAddress(
            host: self["host"] ?? self["hostaddr"] ?? "localhost",
            port: self["port"] ?? "5432",
            user: self["user"],
            database: self["dbname"]
        )
    }
}

/// libpq's reason for rejecting a connection string.
struct PostgresConnectionSettingsError: Error {
    var libpqMessage: String
}
