import ConveyorImports
import ConveyorPostgres
import Testing

/// The retention of import records against the real PostgreSQL.
@Suite struct ImportRetentionTests {
    @Test func importsOverForLongerThanTheRetentionGoWithTheirChunksLedgerAndFailures() async throws {
        try await ImportFixture.with("retention") { fixture async throws in
            let old = try await fixture.accept(ImportFixture.products(4), options: ImportOptions(chunkSize: 2))
            try await fixture.loadAll(old)
            let stuck = try await fixture.accept(ImportFixture.products(2, first: 100), options: ImportOptions(chunkSize: 2))
            let recent = try await fixture.accept(ImportFixture.products(2, first: 200), options: ImportOptions(chunkSize: 2))
            try await fixture.loadAll(recent)
            try await fixture.pool.withConnection { connection in
                try await connection.execute("UPDATE conveyor_imports SET finished_at = now() - interval '31 days' WHERE id = $1", [old.id])
                try await connection.execute("UPDATE conveyor_imports SET accepted_at = now() - interval '31 days' WHERE id = $1", [stuck.id])
            }

            let deleted = try await fixture.pool.withConnection { try await ImportRetention().sweep(on: $0) }
            #expect(deleted == 2)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports") == 1)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunks WHERE import_id <> $1", [recent.id]) == 0)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_ledger WHERE import_id <> $1", [recent.id]) == 0)
            #expect(try await fixture.intake.progress(id: recent.id)?.state == .succeeded)
            // What the imports loaded stays: only their records go.
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 6)
        }
    }
}
