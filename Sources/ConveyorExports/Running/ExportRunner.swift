import ConveyorPostgres
import NIOPosix

/// Runs an export's query into a file of the export folder: CSV straight from
/// `COPY … TO STDOUT WITH CSV HEADER`, JSON from `COPY` of `row_to_json` of each row, both
/// streamed in pieces of about 64 KiB, so memory does not grow with the export's size.
public struct ExportRunner: Sendable {
    private let folder: String
    private let threadPool: NIOThreadPool

    /// - Parameter threadPool: where file writes and hashing run.
    public init(folder: String, threadPool: NIOThreadPool = .singleton) {
        self.folder = folder
        self.threadPool = threadPool
    }

    /// Writes the export `record` describes, whose definition and arguments are `export` and
    /// `arguments`, and records the file: the export succeeds and expires `retention` from now.
    public func run(
        _ export: ExportDefinition, arguments: ExportArguments, for record: ExportRecord, retention: Duration,
        on connection: PostgresConnection
    ) async throws -> ExportFile {
        let file = try await run(
            export, arguments: arguments, tenant: record.tenant, format: record.format,
            fileName: "\(record.id).\(record.format.fileExtension)", on: connection
        )
        try await ExportStore.succeed(id: record.id, file: file, retention: retention, on: connection)
        return file
    }

    /// Writes `export` with `arguments` for `tenant` as `fileName`, replacing a file of that
    /// name (a retried attempt's) only once the new one is whole.
    public func run(
        _ export: ExportDefinition, arguments: ExportArguments, tenant: String, format: ExportFormat, fileName: String,
        on connection: PostgresConnection
    ) async throws -> ExportFile {
        // The literals double their quotes and nothing else, as standard strings need.
        try await connection.execute("SET standard_conforming_strings = on")
        let query = export.sql(tenant: tenant, arguments: arguments)
        let writer = try await ExportFileWriter.open(folder: folder, fileName: fileName, threadPool: threadPool)
        do {
            let rows: Int
            switch format {
            case .csv:
                rows = try await connection.copyOut("COPY (\(query)) TO STDOUT WITH (FORMAT csv, HEADER)") { piece in
                    try await writer.write(piece)
                }
            case .json:
                var assembler = JSONArrayAssembler()
                rows = try await connection.copyOut("COPY (SELECT row_to_json(q) FROM (\(query)) q) TO STDOUT") { piece in
                    try await writer.write(assembler.assemble(piece))
                }
                try await writer.write(assembler.finish())
            }
            let (bytes, sha256) = try await writer.finish()
            return ExportFile(fileName: fileName, rows: rows, bytes: bytes, sha256: sha256)
        } catch {
            await writer.discard()
            throw error
        }
    }
}
