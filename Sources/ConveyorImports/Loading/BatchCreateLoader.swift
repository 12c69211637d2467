import ConveyorCore
public import ConveyorPostgres

/// Loads one chunk of an import into its dataset's table, once however often it is delivered.
///
/// In one transaction: lock the chunk's row (so that two deliveries at once take turns), and
/// if the ledger already has the chunk, stop there; otherwise copy the chunk's rows into a
/// temporary staging table, insert them into the target (``BatchCreateStatements``), write
/// the ledger row with the counts, and drop the chunk's spooled rows, which are never needed
/// again.
/// A delivery after the commit finds the ledger row; one before it finds nothing done, since
/// the transaction either committed whole or left no trace.
///
/// The import is finished by ``ImportFinish/finish(_:of:on:)``, once every chunk job has
/// finished: the chunk jobs make one batch.
public struct BatchCreateLoader: Sendable {
    private let catalogue: DatasetCatalogue

    public init(catalogue: DatasetCatalogue) {
        self.catalogue = catalogue
    }

    /// Loads the chunk.
    ///
    /// - Parameter isLastAttempt: a failure of any kind is recorded for the import's progress
    ///   report; before the last attempt, only failures that no retry can fix are.
    /// - Throws: `PermanentJobError` when PostgreSQL refuses a row (naming its line and
    ///   PostgreSQL's message) or the import cannot be loaded at all; other errors (a lost
    ///   connection, a deadlock) for a retry.
    public func load(_ payload: BatchCreate.Payload, on connection: PostgresConnection, isLastAttempt: Bool) async throws
        -> BatchCreateOutcome
    {
        do {
            let statements = try await prepare(payload, on: connection)
            do {
                return try await connection.transaction { connection in
                    try await load(payload, with: statements, on: connection)
                }
            } catch let error as PostgresError where error.refusesData {
                throw try await RefusedRow.find(for: error, of: payload, with: statements, on: connection)
            }
        } catch let error as PermanentJobError {
            try? await recordFailure(of: payload, line: nil, message: error.reason, on: connection)
            throw PermanentJobError("chunk \(payload.chunk) of import \(payload.importID): \(error.reason)")
        } catch let refused as RefusedRow {
            try? await recordFailure(of: payload, line: refused.line, message: refused.message, on: connection)
            let line = refused.line.map { "line \($0): " } ?? ""
            throw PermanentJobError("chunk \(payload.chunk) of import \(payload.importID): \(line)\(refused.message)")
        } catch {
            if isLastAttempt, !(error is CancellationError) {
                try? await recordFailure(of: payload, line: nil, message: "\(error)", on: connection)
            }
            throw error
        }
    }

    /// Checks that import `id` is one of `tenant`'s, before a chunk job of that tenant
    /// touches it.
    /// - Throws: `PermanentJobError` when it is not (or does not exist).
    public func requireImport(_ id: String, of tenant: String, on connection: PostgresConnection) async throws {
        let owner: String? = try await connection.query("SELECT tenant FROM conveyor_imports WHERE id = $1", [id]).rows.first?.decode("tenant")
        guard owner == tenant else {
            throw PermanentJobError("import \(id) does not exist for tenant '\(tenant)', whose job this is")
        }
    }

    /// Marks the import started (the first chunk to get here does) and builds the chunk's
    /// statements from the import's dataset.
    private func prepare(_ payload: BatchCreate.Payload, on connection: PostgresConnection) async throws -> BatchCreateStatements {
        let result = try await connection.query(
            """
            WITH first_start AS (
                UPDATE conveyor_imports SET started_at = now() WHERE id = $1 AND started_at IS NULL
            )
            SELECT dataset, columns, on_conflict FROM conveyor_imports WHERE id = $1
            """,
            [payload.importID]
        )
        guard let row = result.rows.first else {
            throw PermanentJobError("the import does not exist (it was deleted, or never accepted)")
        }
        let name: String = try row.decode("dataset")
        guard let dataset = catalogue.dataset(named: name) else {
            throw PermanentJobError("dataset '\(name)' is no longer in the catalogue")
        }
        let columns: String = try row.decode("columns")
        guard columns == dataset.columns.map(\.name).joined(separator: ",") else {
            throw PermanentJobError(
                "dataset '\(name)' changed after the import was accepted: its rows have the fields \(columns), "
                    + "the dataset now has \(dataset.columns.map(\.name).joined(separator: ",")); import the rows again"
            )
        }
        let onConflict = ConflictAction(rawValue: try row.decode("on_conflict")) ?? .skip
        return BatchCreateStatements(dataset: dataset, onConflict: onConflict)
    }

    private func load(_ payload: BatchCreate.Payload, with statements: BatchCreateStatements, on connection: PostgresConnection)
        async throws -> BatchCreateOutcome
    {
        let key: [(any PostgresEncodable)?] = [payload.importID, payload.chunk]
        let chunk = try await connection.query(
            """
            SELECT c.row_count, c.data, i.tenant
            FROM conveyor_import_chunks c JOIN conveyor_imports i ON i.id = c.import_id
            WHERE c.import_id = $1 AND c.chunk_number = $2
            FOR UPDATE OF c
            """,
            key
        )
        guard let chunkRow = chunk.rows.first else { throw PermanentJobError("the import has no such chunk") }
        // Read after the lock, so that it sees what a delivery that held the lock before committed.
        let ledger = try await connection.query(
            "SELECT inserted, updated, skipped FROM conveyor_import_ledger WHERE import_id = $1 AND chunk_number = $2", key
        )
        if let done = ledger.rows.first {
            return BatchCreateOutcome(
                importID: payload.importID, chunk: payload.chunk, inserted: try done.decode("inserted"),
                updated: try done.decode("updated"), skipped: try done.decode("skipped"), alreadyLoaded: true
            )
        }
        guard let data = try chunkRow.decode("data", as: String?.self) else {
            throw PermanentJobError("the chunk's rows are gone although the ledger does not have it")
        }
        let rowCount: Int = try chunkRow.decode("row_count")
        let tenant: String = try chunkRow.decode("tenant")

        try await statements.stage(Array(data.utf8), on: connection)
        let (inserted, updated) = try await statements.write(for: tenant, on: connection)
        let skipped = rowCount - inserted - updated
        try await connection.execute(
            "INSERT INTO conveyor_import_ledger (import_id, chunk_number, inserted, updated, skipped) VALUES ($1, $2, $3, $4, $5)",
            key + [inserted, updated, skipped]
        )
        try await connection.execute("UPDATE conveyor_import_chunks SET data = NULL WHERE import_id = $1 AND chunk_number = $2", key)
        try await connection.execute("DELETE FROM conveyor_import_chunk_failures WHERE import_id = $1 AND chunk_number = $2", key)
        return BatchCreateOutcome(
            importID: payload.importID, chunk: payload.chunk, inserted: inserted, updated: updated, skipped: skipped, alreadyLoaded: false
        )
    }

    // MARK: Failures

    /// Records why the chunk failed, for the import's progress report: also for a chunk job
    /// whose last attempt was stopped (timed out, cancelled), which ``load(_:on:isLastAttempt:)``
    /// cannot record in the stopped task.
    public func recordFailure(of payload: BatchCreate.Payload, line: Int? = nil, message: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO conveyor_import_chunk_failures (import_id, chunk_number, line, message)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (import_id, chunk_number)
                DO UPDATE SET line = EXCLUDED.line, message = EXCLUDED.message, failed_at = EXCLUDED.failed_at
            """,
            [payload.importID, payload.chunk, line, message]
        )
    }
}

extension PostgresError {
    /// The server refused the data itself (SQLSTATE classes 22, data exception, and 23,
    /// integrity constraint violation): the same rows fail on every attempt.
    var refusesData: Bool {
        kind == .server && (sqlState?.hasPrefix("22") == true || sqlState?.hasPrefix("23") == true)
    }
}
