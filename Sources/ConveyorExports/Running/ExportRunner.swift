public import ConveyorPostgres

/// Runs an export's query into a file of an ``ExportFileStore``: CSV straight from
/// `COPY … TO STDOUT WITH CSV HEADER`, JSON from `COPY` of `row_to_json` of each row, both
/// streamed in pieces of about 64 KiB, so memory does not grow with the export's size.
public struct ExportRunner: Sendable {
    private let files: any ExportFileStore

    public init(files: any ExportFileStore) {
        self.files = files
    }

    /// Writes the export `record` describes, whose definition and arguments are `export` and
    /// `arguments`, into a file of this attempt's own (the export's id, a random part and the
    /// format's extension) and records it, so that attempts that overlap (one whose lease was
    /// lost and its retry) never write the same file. The first attempt to finish wins: the
    /// export succeeds with its file and expires `retention` from now. A later one deletes its
    /// file and answers nil, so a record's size and SHA-256 always describe the file it names.
    public func run(
        _ export: ExportDefinition, arguments: ExportArguments, for record: ExportRecord, retention: Duration,
        on connection: PostgresConnection
    ) async throws -> ExportFile? {
        let fileName = "\(record.id).\(String(UInt64.random(in: .min ... .max), radix: 16)).\(record.format.fileExtension)"
        let file = try await run(
            export, arguments: arguments, tenant: record.tenant, format: record.format, fileName: fileName, on: connection
        )
        // A file whose recording failed is left to the retention sweep: the update may have
        // been committed all the same.
        guard try await ExportStore.succeed(id: record.id, file: file, retention: retention, on: connection) else {
            _ = try await files.remove(fileName)
            return nil
        }
        return file
    }

    /// Writes `export` with `arguments` for `tenant` as `fileName`, which the store serves only
    /// once it is whole.
    public func run(
        _ export: ExportDefinition, arguments: ExportArguments, tenant: String, format: ExportFormat, fileName: String,
        on connection: PostgresConnection
    ) async throws -> ExportFile {
        // The literals double their quotes and nothing else, as standard strings need: every
        // connection has standard_conforming_strings on (see PostgresSessionSettings).
        let query = export.sql(tenant: tenant, arguments: arguments)
        let writer = try await files.create(fileName)
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
            let digest = try await writer.finish()
            return ExportFile(fileName: fileName, rows: rows, bytes: digest.bytes, sha256: digest.sha256)
        } catch {
            await writer.discard()
            throw error
        }
    }
}
