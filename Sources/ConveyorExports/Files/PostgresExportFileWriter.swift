import ConveyorPostgres

/// Writes an export file into PostgreSQL: gathers the pieces into chunks of
/// ``PostgresExportFileStore/chunkSize`` and copies each into `conveyor_export_chunks` as
/// soon as it is full, one chunk behind the caller (see ``WriteBehind``), hashing as it goes;
/// marks the file finished last, so that it is served only whole.
final class PostgresExportFileWriter: ExportFileWriter {
    /// What only the pieces' writes touch, one after another, so never two threads at once.
    private final class Output: @unchecked Sendable {
        var digest = ExportDigest()
        var chunk: [UInt8] = []
        var sequence: Int32 = 0

        init() { chunk.reserveCapacity(PostgresExportFileStore.chunkSize) }
    }

    private static let copyStatement = "COPY conveyor_export_chunks (file_name, seq, data) FROM STDIN WITH (FORMAT binary)"

    private let pool: PostgresPool
    private let name: StoredFileName
    private let output = Output()
    private let writes = WriteBehind()

    init(pool: PostgresPool, name: StoredFileName) {
        self.pool = pool
        self.name = name
    }

    func write(_ piece: [UInt8]) async throws {
        let (output, pool, name) = (output, pool, name)
        try await writes.start {
            output.digest.update(piece)
            output.chunk += piece
            while output.chunk.count >= PostgresExportFileStore.chunkSize {
                try await Self.copy(output.chunk[..<PostgresExportFileStore.chunkSize], of: output, pool: pool, name: name)
                output.chunk.removeFirst(PostgresExportFileStore.chunkSize)
            }
        }
    }

    /// Copies the last chunk, then marks the file finished.
    func finish() async throws -> ExportDigest.Result {
        try await writes.finish()
        if !output.chunk.isEmpty {
            try await Self.copy(output.chunk[...], of: output, pool: pool, name: name)
        }
        let name = self.name
        try await pool.withConnection { connection in
            try await connection.execute("UPDATE conveyor_export_files SET finished_at = now() WHERE file_name = $1", [name.text])
        }
        return output.digest.finalize()
    }

    func discard() async {
        try? await writes.finish()
        let name = self.name
        try? await pool.withConnection { connection in try await PostgresExportFileStore.delete(name, on: connection) }
    }

    /// Copies `chunk` as the file's next one.
    private static func copy(_ chunk: ArraySlice<UInt8>, of output: Output, pool: PostgresPool, name: StoredFileName) async throws {
        let stream = PostgresBinaryCopy.stream(of: [[.text(name.text), .int32(output.sequence), .bytes(chunk)]])
        try await pool.withConnection { connection in
            try await connection.transaction { connection in
                // The chunk's commit need not wait for its WAL to reach the disk: the commit that
                // marks the file finished waits for all of it, and an unfinished file is never served.
                try await connection.execute("SET LOCAL synchronous_commit = off")
                _ = try await connection.copyIn(copyStatement, bytes: stream)
            }
        }
        output.sequence += 1
    }
}
