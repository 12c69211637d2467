/// How to reach PostgreSQL and how to pool connections to it.
///
/// The connection string is kept whole and handed to libpq, so every libpq setting works
/// (`sslmode`, `options`, several hosts…). Its password never appears in ``description``, logs or errors.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// The setting that users change to fix the connection string, named in error messages.
    static let settingName = "CONVEYOR_DATABASE_URL"

    /// The setting that raises ``replyTimeout``, named in the error a silent server causes.
    static let replyTimeoutSettingName = "CONVEYOR_DB_REPLY_TIMEOUT"
    /// The setting that raises ``commitTimeout``.
    static let commitTimeoutSettingName = "CONVEYOR_DB_COMMIT_TIMEOUT"

    /// libpq's TCP settings unless the connection string sets them: without them a connection whose
    /// network died waits for the kernel's defaults, hours. With them, an idle connection probes the
    /// server after 10 s of silence and every 5 s after, and gives up after 3 unanswered probes; data
    /// the server has not acknowledged for 30 s (`tcp_user_timeout`, in ms) ends the connection too.
    static let networkDefaults: [(keyword: String, value: String)] = [
        ("keepalives", "1"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "5"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
    ]

    let connectionString: String
    let address: PostgresServerAddress
    private let userOptions: String?
    /// The ``networkDefaults`` that the connection string leaves unset.
    private let networkSettings: [(keyword: String, value: String)]

    /// The most connections the pool opens at once. Default 10.
    public var poolSize: Int = 10
    /// How long `acquire()` waits for a free connection before throwing ``PostgresError/Kind-swift.struct/poolTimeout``. Default 5 s.
    public var acquireTimeout: Duration = .seconds(5)
    /// How long a connection may be used; an older idle one is closed and replaced, so connections
    /// move to new servers after a failover and server-side memory does not accumulate. Default 30 min.
    public var maxConnectionLifetime: Duration = .seconds(1800)
    /// How long opening a connection may take (libpq's `connect_timeout`, whole seconds, at least 2).
    /// Default: the connection string's `connect_timeout`, else 5 s.
    public var connectTimeout: Duration = .seconds(5)
    /// The `application_name` that `pg_stat_activity` shows. Default: the connection string's, else "conveyor".
    public var applicationName: String = "conveyor"
    /// How long a statement or COPY waits with nothing arriving from the server before its connection
    /// is taken for dead: closed, and the caller given ``PostgresError/Kind-swift.struct/serverUnresponsive``.
    /// Every byte from the server restarts the wait, so a COPY that streams runs as long as it needs;
    /// only a statement that computes longer than this before answering needs a higher value. It
    /// catches what TCP keepalives cannot: a proxy that stays up while the server behind it is gone.
    /// Default 10 min.
    public var replyTimeout: Duration = .seconds(600)
    /// The same bound for COMMIT and ROLLBACK, which a live server answers in moments. Default 30 s.
    public var commitTimeout: Duration = .seconds(30)
    /// How long a transaction of ``PostgresConnection/transaction(_:)`` may sit idle between its
    /// statements before the server ends its session (`idle_in_transaction_session_timeout`,
    /// set for the transaction alone). A client cut off the network mid-transaction otherwise
    /// keeps the transaction's locks until TCP gives up, for hours, and everything that needs
    /// them waits. `nil` leaves the server's setting. Default nil; a worker sets its lease, by
    /// which time another worker may take the job and need those locks.
    public var transactionIdleLimit: Duration?

    /// Validates a libpq URI (`postgres://user[:password]@host:port/database?…`) or `key=value` string,
    /// its TLS settings included (`sslmode`, and the files of `sslrootcert`, `sslcert`, `sslkey`, `sslcrl`).
    ///
    /// - Throws: ``PostgresError`` of kind `invalidConfiguration` quoting libpq's complaint, or saying
    ///   what is wrong with a TLS setting, and naming the `CONVEYOR_DATABASE_URL` setting to fix.
    public init(url: String) throws {
        guard !url.allSatisfy(\.isWhitespace) else {
            throw PostgresError(
                kind: .invalidConfiguration,
                message: "\(Self.settingName) is empty; set it to a URL such as postgres://user@127.0.0.1:5432/database"
            )
        }
        let settings: PostgresConnectionSettings
        do {
            settings = try PostgresConnectionSettings(parsing: url)
        } catch {
            throw PostgresError(
                kind: .invalidConfiguration,
                message: "\(Self.settingName) is not a valid PostgreSQL connection string: "
                    + "\(error.libpqMessage.asOneLine). "
                    + "Use postgres://user[:password]@host:port/database or key=value pairs."
            )
        }
        try PostgresTLSSettings.check(settings, settingName: Self.settingName)
        self.connectionString = url
        self.address = settings.address
        self.userOptions = settings["options"]
        self.networkSettings = Self.networkDefaults.filter { settings[$0.keyword] == nil }
        if let name = settings["application_name"] { self.applicationName = name }
        if let seconds = settings["connect_timeout"].flatMap(Int.init), seconds > 0 {
            self.connectTimeout = .seconds(seconds)
        }
    }

    /// The server address, user and database, never the password.
    public var description: String {
        "postgres://\(self.address)"
    }

    /// The keywords and values for `PQconnectdbParams`, in order: libpq lets later ones override the
    /// expanded connection string, which is how the pool's own settings win. `serverOptions` go
    /// after the connection string's own `options`, so that they win (see ``PostgresSessionSettings``).
    func libpqParameters(serverOptions: String? = nil) -> [(keyword: String, value: String)] {
        let timeout = self.connectTimeout.components
        let wholeSeconds = timeout.seconds + (timeout.attoseconds > 0 ? 1 : 0)
        let options = [self.userOptions, serverOptions].compactMap { $0 }.joined(separator: " ")
        return [
            ("dbname", self.connectionString),
            ("connect_timeout", String(max(2, wholeSeconds))),
            ("application_name", self.applicationName),
            ("client_encoding", "UTF8"),
        ] + (options.isEmpty ? [] : [("options", options)]) + self.networkSettings
    }
}

extension String {
    /// libpq's multi-line message as one line for logs: indented continuation lines joined with a
    /// space, separate messages with "; ", runs of spaces collapsed, no trailing full stop.
    var asOneLine: String {
        var text = ""
        for line in self.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            guard !words.isEmpty else { continue }
            if !text.isEmpty { text += line.first!.isWhitespace ? " " : "; " }
            text += words
        }
        while text.last == "." { text.removeLast() }
        return text
    }
}
