import ConveyorExports
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Export attempts")
struct ExportAttemptTests {
    @Test(
        "two attempts of one export that overlap leave one file, whose bytes the record's size and SHA-256 describe",
        arguments: ExportSettings.Store.allCases
    )
    func overlappingAttempts(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            // The first attempt's snapshot holds the product at price 1, so its query waits for
            // the advisory lock `gate`, which the test holds until the second attempt is recorded.
            let gate = Int.random(in: 1_000_000 ... Int(Int32.max))
            let catalogue = try ExportCatalogue(files: [(
                "jobs/exports/gated.sql",
                Array("""
                    -- The tenant's products; one priced 1 waits for a lock first.
                    SELECT sku, price_cents, CASE WHEN price_cents = 1 THEN pg_advisory_xact_lock(\(gate))::text END AS waited
                    FROM products WHERE tenant = :tenant
                    """.utf8)
            )])
            let export = try #require(catalogue.export(named: "gated"))
            let arguments = try export.arguments([:])
            let settings = fixture.settings()
            let runner = ExportRunner(files: fixture.files)
            let id = ExportStore.makeID()
            let record = try await fixture.pool.withConnection { connection in
                try await connection.execute(
                    "INSERT INTO products (tenant, sku, name, category, price_cents, quantity) VALUES ($1, 'sku-1', 'one', 'tools', 1, 1)",
                    [fixture.tenant]
                )
                _ = try await ExportStore.create(
                    id: id, tenant: fixture.tenant, export: export.name, format: .csv, arguments: arguments, jobID: JobID(in: .default),
                    requestID: "test", retention: settings.retention, on: connection
                )
                return try #require(try await ExportStore.start(id: id, on: connection))
            }

            // One connection holds the advisory lock, another (later) the record's row, each in a
            // transaction, which keeps its server connection through a transaction pooler too.
            let holders = (gate: try await fixture.pool.acquire(), row: try await fixture.pool.acquire())
            defer {
                fixture.pool.release(holders.gate)
                fixture.pool.release(holders.row)
            }
            try await holders.gate.connection.execute("BEGIN")
            _ = try await holders.gate.connection.query("SELECT pg_advisory_xact_lock($1)", [gate])
            let firstFinished = Atomic(false)
            let first = Task {
                defer { firstFinished.store(true, ordering: .sequentiallyConsistent) }
                _ = try await fixture.pool.withConnection { connection in
                    try await runner.run(export, arguments: arguments, for: record, retention: settings.retention, on: connection)
                }
            }
            do {
                let firstWaits = try await eventually(timeout: .seconds(30)) {
                    try await fixture.count(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid AND NOT granted", [gate]
                    ) > 0
                }
                try #require(firstWaits)

                try await fixture.pool.withConnection { connection in
                    try await connection.execute("UPDATE products SET price_cents = 2 WHERE tenant = $1", [fixture.tenant])
                    _ = try await runner.run(export, arguments: arguments, for: record, retention: settings.retention, on: connection)
                }

                // With the record's row locked, an attempt that would record its file waits just
                // after writing it: the moment a download must still get the bytes the record describes.
                try await holders.row.connection.execute("BEGIN")
                _ = try await holders.row.connection.query("SELECT id FROM conveyor_exports WHERE id = $1 FOR UPDATE", [id])
                let rowHolderPID = try await holders.row.connection.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid", as: Int.self)
                try await holders.gate.connection.execute("COMMIT")
                let firstSettled = try await eventually(timeout: .seconds(30)) {
                    try await fixture.count("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", [rowHolderPID]) > 0
                        || firstFinished.load(ordering: .sequentiallyConsistent)
                }
                try #require(firstSettled)
                try await expectRecordDescribesItsFile(id, fixture)
                try await holders.row.connection.execute("COMMIT")
            } catch {
                // Lets the first attempt and the fixture's clean-up through.
                _ = try? await holders.row.connection.execute("ROLLBACK")
                _ = try? await holders.gate.connection.execute("ROLLBACK")
                _ = try? await first.value
                throw error
            }
            try await first.value
            let named = try await expectRecordDescribesItsFile(id, fixture)
            #expect(try await fixture.storedFiles(prefix: id) == [named])
        }
    }

    /// Checks that the file the record of `id` names holds the bytes its size and SHA-256
    /// describe; answers the file's name.
    @discardableResult
    private func expectRecordDescribesItsFile(_ id: String, _ fixture: ExportFixture) async throws -> String {
        let record = try #require(try await fixture.pool.withConnection { try await ExportStore.record(id: id, on: $0) })
        #expect(record.state == .succeeded)
        let fileName = try #require(record.fileName)
        let bytes = try #require(try await fixture.contents(of: fileName))
        #expect(record.bytes == bytes.count)
        #expect(record.sha256 == (try await ExportFixture.sha256sum(bytes)))
        return fileName
    }
}

extension ExportFixture {
    /// The single number `sql` answers.
    fileprivate func count(_ sql: String, _ parameters: [(any PostgresEncodable)?]) async throws -> Int {
        try await pool.withConnection { connection in try await connection.query(sql, parameters).rows[0][0].flatMap { Int($0) } ?? 0 }
    }
}
