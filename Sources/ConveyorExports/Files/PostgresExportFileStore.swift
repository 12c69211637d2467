public import ConveyorPostgres
public import Logging

/// Export files kept in PostgreSQL, where the API on every host reaches them: one row of
/// `conveyor_export_files` per file, its bytes in chunks of ``chunkSize`` in
/// `conveyor_export_chunks`, moved as they are by binary COPY, one chunk per statement.
///
/// Its statements run on a small pool of the store's own: an attempt holds a connection of the
/// job's pool for its query's `COPY TO` while it writes the chunks, so taking a second one from
/// that pool could leave every running export waiting for another. Each chunk leases a
/// connection only while it moves, so a slow download holds none between its chunks, and
/// every statement stands alone, as a transaction pooler (PgBouncer) needs.
public struct PostgresExportFileStore: ExportFileStore {
    /// The size of every chunk but a file's last: large enough that a statement per chunk
    /// costs nothing beside its bytes, small enough that a writer or a download holds little.
    static let chunkSize = 1 << 20
    /// Connections of the store's own pool.
    static let poolSize = 4

    private let pool: PostgresPool

    /// A store on the database `configuration` names, with a pool of ``poolSize`` connections.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        var configuration = configuration
        configuration.poolSize = min(configuration.poolSize, Self.poolSize)
        configuration.applicationName += " export files"
        self.pool = PostgresPool(configuration: configuration, logger: logger)
    }

    /// Nothing to make: `conveyor migrate` made the tables, and a database that is down at start
    /// is waited for like any other.
    public func prepare() async throws {}

    public func create(_ fileName: String) async throws -> any ExportFileWriter {
        let name = try StoredFileName(fileName)
        try await pool.withConnection { connection in
            try await connection.execute("INSERT INTO conveyor_export_files (file_name) VALUES ($1)", [name.text])
        }
        return PostgresExportFileWriter(pool: pool, name: name)
    }

    public func open(_ fileName: String) async throws -> (any ExportFileReader)? {
        let name = try StoredFileName(fileName)
        let chunks = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT (SELECT count(*) FROM conveyor_export_chunks c WHERE c.file_name = f.file_name) AS chunks
                FROM conveyor_export_files f
                WHERE f.file_name = $1 AND f.finished_at IS NOT NULL
                """,
                [name.text]
            ).rows.first?.decode("chunks", as: Int.self)
        }
        return chunks.map { Reader(pool: pool, name: name, chunks: $0) }
    }

    public func remove(_ fileName: String) async throws -> Bool {
        let name = try StoredFileName(fileName)
        try await pool.withConnection { connection in try await Self.delete(name, on: connection) }
        return true
    }

    /// The files begun longer than `age` ago, by the database's clock, which every host shares.
    public func files(olderThan age: Duration) async throws -> [StoredExportFile] {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT file_name, finished_at IS NOT NULL AS whole FROM conveyor_export_files
                WHERE created_at < now() - make_interval(secs => $1)
                ORDER BY created_at LIMIT 10000
                """,
                [Int(age.components.seconds)]
            ).rows.map { row in StoredExportFile(name: try row.decode("file_name"), isWhole: try row.decode("whole")) }
        }
    }

    public func shutdown() async {
        await pool.shutdown()
    }

    /// Deletes the file `name` and, by the foreign key's cascade, its chunks.
    static func delete(_ name: StoredFileName, on connection: PostgresConnection) async throws {
        try await connection.execute("DELETE FROM conveyor_export_files WHERE file_name = $1", [name.text])
    }

    private struct Reader: ExportFileReader {
        let pool: PostgresPool
        let name: StoredFileName
        let chunks: Int

        /// Fetches each chunk whole on a connection leased for it alone, then hands it on.
        func read(_ consumer: ([UInt8]) async throws -> Void) async throws {
            for sequence in 0..<chunks {
                let statement = """
                    COPY (SELECT data FROM conveyor_export_chunks WHERE file_name = \(name.literal) AND seq = \(sequence)) \
                    TO STDOUT WITH (FORMAT binary)
                    """
                let stream = try await pool.withConnection { connection in
                    var stream: [UInt8] = []
                    stream.reserveCapacity(PostgresExportFileStore.chunkSize + 64)
                    _ = try await connection.copyOut(statement) { stream += $0 }
                    return stream
                }
                guard let chunk = try PostgresBinaryCopy.onlyField(of: stream) else {
                    throw ExportFileError(description: "chunk \(sequence) of export file \(name.text) is missing")
                }
                try await consumer(chunk)
            }
        }
    }
}

/// An export file's name, checked to hold only what the names an attempt gives its files
/// hold (letters, digits, `.`, `-`, `_`), so that it can stand as a literal in a COPY
/// statement, which takes no parameters.
struct StoredFileName: Sendable {
    let text: String

    init(_ text: String) throws(ExportFileError) {
        let allowed = text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
        guard allowed, !text.isEmpty else {
            throw ExportFileError(description: "'\(text)' is not an export file name: letters, digits, '.', '-' and '_' only")
        }
        self.text = text
    }

    /// As a string literal of SQL.
    var literal: String { "'\(text)'" }
}
