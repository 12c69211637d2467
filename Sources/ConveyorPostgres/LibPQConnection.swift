import CLibPQ
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The blocking side of a connection: one `PGconn` and every libpq call made on it.
///
/// Each method may block its thread on the network, so only the pool's own threads call them, and
/// only for the task that holds the connection's lease, one call at a time (``PostgresConnection``
/// enforces both). Statements are sent with libpq's asynchronous calls and awaited with `poll`, so
/// that the waiting thread can notice a cancelled task and cancel the statement on the server, and
/// can give up on a server that stopped sending anything.
final class LibPQConnection {
    /// How often a thread waiting for the server checks whether its task was cancelled.
    private static let cancellationPollInterval: Duration = .milliseconds(50)
    /// The largest piece handed to `PQputCopyData` at once; its length parameter is a C `int`.
    private static let maximumCopyPiece = 1 << 20

    private let handle: OpaquePointer
    private let cancelHandle: OpaquePointer?
    private let logger: Logger
    /// The longest silence from the server that a statement or COPY waits through.
    private let replyTimeout: Duration
    /// The longest silence that COMMIT and ROLLBACK wait through.
    private let commitTimeout: Duration
    private var isClosed = false
    /// Set when libpq failed in a way that leaves the protocol state unknown.
    private var isBroken = false

    private init(handle: OpaquePointer, replyTimeout: Duration, commitTimeout: Duration, logger: Logger) {
        self.handle = handle
        self.cancelHandle = PQgetCancel(handle)
        self.replyTimeout = replyTimeout
        self.commitTimeout = commitTimeout
        self.logger = logger
    }

    deinit {
        self.close()
    }

    /// Opens a connection with `PQconnectdbParams`.
    ///
    /// - Throws: ``PostgresError`` of kind `connectionFailed` carrying libpq's message.
    static func connect(
        parameters: [(keyword: String, value: String)],
        replyTimeout: Duration,
        commitTimeout: Duration,
        logger: Logger
    ) throws -> LibPQConnection {
        let handle = withCStrings(parameters.map(\.keyword)) { keywords in
            withCStrings(parameters.map(\.value)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let handle else {
            throw PostgresError(kind: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).asOneLine
            PQfinish(handle)
            throw PostgresError(kind: .connectionFailed, message: message)
        }
        let connection = LibPQConnection(
            handle: handle,
            replyTimeout: replyTimeout,
            commitTimeout: commitTimeout,
            logger: logger
        )
        PQsetNoticeReceiver(handle, logNotice, Unmanaged.passUnretained(connection).toOpaque())
        return connection
    }

    /// Closes the connection; later calls do nothing.
    func close() {
        guard !self.isClosed else { return }
        self.isClosed = true
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(self.handle)
    }

    /// Whether the connection can serve another lease: open, sound, and idle outside any
    /// transaction or COPY. Reads libpq's state only, so it never blocks.
    var isReusable: Bool {
        !self.isClosed && !self.isBroken && PQstatus(self.handle) == CONNECTION_OK
            && PQtransactionStatus(self.handle) == PQTRANS_IDLE
    }

    /// Whether the server closed the connection while it sat idle in the pool: a server that
    /// shuts down or restarts says goodbye and closes, which leaves the socket readable with
    /// nothing asked. An idle connection that is readable is taken for closed: the rare
    /// other message (a notice) costs a new connection, not a failed request. Polls without
    /// waiting, so it never blocks.
    var wasClosedWhileIdle: Bool {
        guard !self.isClosed, !self.isBroken else { return true }
        var descriptor = pollfd(fd: PQsocket(self.handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    /// The server settings the client relies on, as the server reported them when the connection opened.
    var sessionSettings: PostgresSessionSettings {
        PostgresSessionSettings { name in PQparameterStatus(self.handle, name).map { String(cString: $0) } }
    }

    /// The server process serving this connection, as `pg_stat_activity.pid` shows it.
    var backendPID: Int32 {
        PQbackendPID(self.handle)
    }

    // MARK: Statements

    /// Runs one statement with text parameters (`PQsendQueryParams`); NULL parameters are nil.
    func execute(_ sql: String, parameters: [String?], cancellation: QueryCancellation?) throws -> PostgresQueryResult {
        try Self.checkNoNUL(sql, what: "the statement")
        for (offset, parameter) in parameters.enumerated() {
            if let parameter { try Self.checkNoNUL(parameter, what: "parameter $\(offset + 1)") }
        }
        let sent = withCStrings(parameters) { values in
            PQsendQueryParams(self.handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        try self.checkSent(sent)
        return try self.collectResults(self.replyWait(cancellation))
    }

    /// Runs `COMMIT` or `ROLLBACK`, which cannot be cancelled and are held to ``commitTimeout``.
    func endTransaction(_ statement: String) throws -> PostgresQueryResult {
        try self.checkSent(PQsendQueryParams(self.handle, statement, 0, nil, nil, nil, nil, 0))
        let wait = Wait(
            silenceLimit: self.commitTimeout,
            settingName: PostgresConfiguration.commitTimeoutSettingName,
            cancellation: nil
        )
        return try self.collectResults(wait)
    }

    /// Runs any number of statements without parameters (`PQsendQuery`), returning the last one's result.
    func executeScript(_ sql: String, cancellation: QueryCancellation?) throws -> PostgresQueryResult {
        try Self.checkNoNUL(sql, what: "the script")
        try self.checkSent(PQsendQuery(self.handle, sql))
        return try self.collectResults(self.replyWait(cancellation))
    }

    /// Reads every result of the statements sent, and returns the last, or throws the first error.
    private func collectResults(_ wait: Wait) throws -> PostgresQueryResult {
        var outcome: Result<PostgresQueryResult, PostgresError>?
        while let result = try self.nextResult(wait) {
            defer { PQclear(result) }
            let resultOutcome = self.outcome(of: result)
            if case .failure = outcome { continue }
            outcome = resultOutcome
        }
        if PQstatus(self.handle) != CONNECTION_OK {
            throw self.connectionLost(after: outcome)
        }
        guard let outcome else {
            throw PostgresError(kind: .invalidUsage, message: "the statement returned no result")
        }
        return try outcome.get()
    }

    /// Turns one libpq result into a query result or an error. A COPY that the caller did not
    /// expect is ended here, so that the connection leaves the COPY state.
    private func outcome(of result: OpaquePointer) -> Result<PostgresQueryResult, PostgresError> {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return .success(Self.queryResult(result))
        case PGRES_COPY_IN:
            PQputCopyEnd(self.handle, "COPY FROM STDIN goes through copyIn(_:from:)")
            return .failure(PostgresError(kind: .invalidUsage, message: "COPY FROM STDIN goes through copyIn(_:from:)"))
        case PGRES_COPY_OUT:
            self.discardCopyOut()
            return .failure(
                PostgresError(kind: .invalidUsage, message: "COPY TO STDOUT goes through copyOut(_:consumer:)")
            )
        default:
            return .failure(Self.serverError(result))
        }
    }

    // MARK: COPY

    /// Starts `COPY … FROM STDIN` or `COPY … TO STDOUT`.
    ///
    /// - Throws: the server's error, or `invalidUsage` when `sql` is not a COPY in that direction
    ///   (after finishing whatever it was, so the connection stays usable).
    func startCopy(_ sql: String, direction: CopyDirection, cancellation: QueryCancellation?) throws {
        try Self.checkNoNUL(sql, what: "the COPY statement")
        try self.checkSent(PQsendQuery(self.handle, sql))
        let wait = self.replyWait(cancellation)
        guard let first = try self.nextResult(wait) else {
            throw PostgresError(kind: .invalidUsage, message: "the COPY statement returned no result")
        }
        defer { PQclear(first) }
        if PQresultStatus(first) == direction.libpqStatus { return }
        let firstOutcome = self.outcome(of: first)
        _ = try? self.collectResults(wait)
        if case .failure(let error) = firstOutcome { throw error }
        throw PostgresError(
            kind: .invalidUsage,
            message: "\(direction.method) needs a \(direction.statementShape) statement"
        )
    }

    /// Sends COPY data, cutting it into pieces libpq accepts.
    func putCopyData(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let length = min(Self.maximumCopyPiece, buffer.count - offset)
                let piece = buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                guard PQputCopyData(self.handle, piece, Int32(length)) == 1 else {
                    throw self.libpqFailure("sending COPY data failed")
                }
                offset += length
            }
        }
    }

    /// Ends `COPY FROM STDIN`: with `failure` nil the server commits the rows and the count is
    /// returned; otherwise the server aborts the COPY with that reason.
    func endCopyIn(failure: String?, cancellation: QueryCancellation?) throws -> Int {
        guard PQputCopyEnd(self.handle, failure) == 1 else {
            throw self.libpqFailure("ending COPY failed")
        }
        return try self.collectResults(self.replyWait(cancellation)).affectedRows
    }

    /// Gathers rows of `COPY TO STDOUT` until about `limit` bytes or the end; at the end, `rows` is the
    /// count the server reports.
    func readCopyOut(limit: Int, cancellation: QueryCancellation?) throws -> (bytes: [UInt8], rows: Int?) {
        let wait = self.replyWait(cancellation)
        var bytes = [UInt8]()
        bytes.reserveCapacity(limit)
        while bytes.count < limit {
            var row: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(self.handle, &row, 1)
            if length > 0, let row {
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: row, count: Int(length)))
                PQfreemem(row)
            } else if length == 0 {
                try self.waitForInput(wait)
            } else if length == -1 {
                return (bytes, try self.collectResults(wait).affectedRows)
            } else {
                throw self.libpqFailure("reading COPY data failed")
            }
        }
        return (bytes, nil)
    }

    /// Stops a `COPY TO STDOUT` whose reader gave up: cancels it on the server and drains what was
    /// already sent, so the connection can be used again.
    func abandonCopyOut() {
        self.sendCancelRequest()
        self.discardCopyOut()
        _ = try? self.collectResults(self.replyWait(nil))
    }

    private func discardCopyOut() {
        var row: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(self.handle, &row, 0) > 0 {
            PQfreemem(row)
        }
    }

    // MARK: Waiting for the server

    /// How a wait for the server is bounded: the longest silence it accepts, the setting that
    /// changes that, and the task whose cancellation it watches.
    private struct Wait {
        let silenceLimit: Duration
        let settingName: String
        let cancellation: QueryCancellation?
    }

    private func replyWait(_ cancellation: QueryCancellation?) -> Wait {
        Wait(
            silenceLimit: self.replyTimeout,
            settingName: PostgresConfiguration.replyTimeoutSettingName,
            cancellation: cancellation
        )
    }

    /// The next result of the statement in progress, nil once all have come.
    private func nextResult(_ wait: Wait) throws -> OpaquePointer? {
        while PQisBusy(self.handle) != 0 {
            try self.waitForInput(wait)
        }
        return PQgetResult(self.handle)
    }

    /// Waits until the server sends something and reads it into libpq's buffer; meanwhile, sends a
    /// cancel request once if the task waiting for this call is cancelled. A server silent for
    /// longer than the wait's limit is taken for dead (see ``abandonSilentServer(_:)``).
    private func waitForInput(_ wait: Wait) throws {
        var descriptor = pollfd(fd: PQsocket(self.handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else {
            throw self.libpqFailure("the connection has no socket")
        }
        let deadline = ContinuousClock.now + wait.silenceLimit
        while true {
            let silenceLeft = ContinuousClock.now.duration(to: deadline)
            guard silenceLeft > .zero else {
                throw self.abandonSilentServer(wait)
            }
            let interval = wait.cancellation == nil ? silenceLeft : min(silenceLeft, Self.cancellationPollInterval)
            let ready = poll(&descriptor, 1, Self.pollTimeout(interval))
            if ready < 0 && errno != EINTR {
                self.isBroken = true
                throw PostgresError(
                    kind: .connectionLost,
                    message: "waiting for the server failed: \(String(cString: strerror(errno)))"
                )
            }
            if wait.cancellation?.takeCancelRequest() == true {
                self.sendCancelRequest()
            }
            if ready > 0 { break }
        }
        guard PQconsumeInput(self.handle) == 1 else {
            throw self.libpqFailure("reading from the server failed")
        }
    }

    /// Ends a connection whose server sent nothing for longer than the wait accepts. Shutting the
    /// socket down makes every later call on it fail at once rather than wait again, and tells a
    /// server that is still there to roll back; the connection is never reused.
    private func abandonSilentServer(_ wait: Wait) -> PostgresError {
        self.isBroken = true
        shutdown(PQsocket(self.handle), Int32(SHUT_RDWR))
        return PostgresError(
            kind: .serverUnresponsive,
            message: "nothing came from the server for \(wait.silenceLimit) (\(wait.settingName)), so the "
                + "connection was closed and the statement may or may not have run; if the server is only "
                + "slow, raise \(wait.settingName)"
        )
    }

    /// `duration` in whole milliseconds for `poll`, rounded up so that a wait never ends early.
    private static func pollTimeout(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    /// Asks the server to cancel the running statement. Cancelling is best effort: when it fails,
    /// the statement simply runs to its end.
    private func sendCancelRequest() {
        guard let cancelHandle else { return }
        var message = [CChar](repeating: 0, count: 256)
        if PQcancel(cancelHandle, &message, Int32(message.count)) == 0 {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            self.logger.warning("could not cancel a PostgreSQL statement", metadata: ["reason": "\(reason)"])
        }
    }

    // MARK: Errors

    private func checkSent(_ status: Int32) throws {
        guard status == 1 else {
            throw self.libpqFailure("sending the statement failed")
        }
    }

    /// The error for a libpq call that failed outright, after which the connection is not reused.
    private func libpqFailure(_ what: String) -> PostgresError {
        self.isBroken = true
        let message = String(cString: PQerrorMessage(self.handle)).asOneLine
        return PostgresError(kind: .connectionLost, message: message.isEmpty ? what : "\(what): \(message)")
    }

    /// The error for a connection found broken after a statement: the server's own error if it sent
    /// one (`57P01` when an administrator terminated the backend), as kind `connectionLost`.
    private func connectionLost(after outcome: Result<PostgresQueryResult, PostgresError>?) -> PostgresError {
        if case .failure(var error) = outcome {
            error.kind = .connectionLost
            return error
        }
        let message = String(cString: PQerrorMessage(self.handle)).asOneLine
        return PostgresError(
            kind: .connectionLost,
            message: message.isEmpty ? "the connection to the server was lost" : message
        )
    }

    private static func serverError(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let message = field("M") ?? String(cString: PQresultErrorMessage(result)).asOneLine
        return PostgresError(
            kind: .server,
            message: message.isEmpty ? "unknown error" : message,
            sqlState: field("C"),
            detail: field("D"),
            hint: field("H"),
            context: field("W"),
            position: field("P").flatMap { Int($0) }
        )
    }

    private static func checkNoNUL(_ text: String, what: String) throws {
        if text.utf8.contains(0) {
            throw PostgresError(
                kind: .invalidUsage,
                message: "\(what) contains a NUL character, which PostgreSQL text cannot hold"
            )
        }
    }

    // MARK: Results

    private static func queryResult(_ result: OpaquePointer) -> PostgresQueryResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = PostgresColumns(names: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) })
        var rows = [[String?]]()
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            rows.append(
                (0..<Int32(columnCount)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                }
            )
        }
        return PostgresQueryResult(
            columns: columns,
            rows: rows,
            affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0,
            commandTag: String(cString: PQcmdStatus(result))
        )
    }

    /// Passes server notices (such as "relation already exists, skipping") to the logger instead of
    /// libpq's default, standard error.
    private static let logNotice: PQnoticeReceiver = { context, result in
        guard let context, let result else { return }
        let connection = Unmanaged<LibPQConnection>.fromOpaque(context).takeUnretainedValue()
        let severity =
            PQresultErrorField(result, Int32(Character("V").asciiValue!)).map { String(cString: $0) } ?? "NOTICE"
        let message = String(cString: PQresultErrorMessage(result)).asOneLine
        connection.logger.log(level: severity == "WARNING" ? .warning : .debug, "\(message)")
    }
}

/// Which way a COPY moves data, and what libpq reports once it has started.
enum CopyDirection {
    case fromClient
    case toClient

    var libpqStatus: ExecStatusType {
        switch self {
        case .fromClient: PGRES_COPY_IN
        case .toClient: PGRES_COPY_OUT
        }
    }

    var method: String {
        switch self {
        case .fromClient: "copyIn(_:from:)"
        case .toClient: "copyOut(_:consumer:)"
        }
    }

    var statementShape: String {
        switch self {
        case .fromClient: "COPY … FROM STDIN"
        case .toClient: "COPY … TO STDOUT"
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings, nil entries staying NULL.
private func withCStrings<Result>(
    _ strings: [String?],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    let copies = strings.map { $0.map { UnsafePointer(strdup($0)!) } } + [nil]
    defer {
        for copy in copies { free(UnsafeMutablePointer(mutating: copy)) }
    }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
