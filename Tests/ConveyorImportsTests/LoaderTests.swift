import ConveyorCore
import ConveyorExternal
@testable import ConveyorImports
import ConveyorPostgres
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

/// Loading chunks into the products table: once per chunk whatever the deliveries, conflicts
/// skipped or updated and counted, and rows PostgreSQL refuses named by their line.
@Suite struct LoaderTests {
    @Test func aChunkIsLoadedOnceAndARedeliveryChangesNothing() async throws {
        try await ImportFixture.with("once") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(10), options: ImportOptions(chunkSize: 4))
            let first = try await fixture.load(receipt.id, chunk: 1)
            #expect(first == BatchCreateOutcome(importID: receipt.id, chunk: 1, inserted: 4, updated: 0, skipped: 0, alreadyLoaded: false))
            #expect(first.rowsProcessed == 4)
            let versions = "SELECT sum(xmin::text::bigint)::bigint FROM products"
            let before = try await fixture.integer(versions)

            let again = try await fixture.load(receipt.id, chunk: 1)
            #expect(again == BatchCreateOutcome(importID: receipt.id, chunk: 1, inserted: 4, updated: 0, skipped: 0, alreadyLoaded: true))
            #expect(again.rowsProcessed == 0)
            #expect(try await fixture.integer(versions) == before, "the redelivery rewrote rows")
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 4)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_ledger") == 1)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunks WHERE data IS NULL") == 1)

            try await fixture.load(receipt.id, chunk: 2)
            let running = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(running.state == .running)
            #expect(running.chunks == ImportProgress.Chunks(total: 3, done: 2, failed: 0))
            #expect(running.startedAt != nil && running.finishedAt == nil)

            // The last chunk's job is the last of the batch, whose on_complete finishes the import, once.
            try await fixture.load(receipt.id, chunk: 3)
            for _ in 1...2 {
                let finished = try await fixture.pool.withConnection { try await ImportFinish.finish(receipt.id, of: "acme", on: $0) }
                #expect(finished == FinishedImport(id: receipt.id, callbackURL: nil))
            }
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports WHERE finished_at IS NOT NULL") == 1)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunk_failures") == 0)
            let done = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(done.state == .succeeded)
            #expect(done.rows == ImportProgress.Rows(total: 10, inserted: 10, updated: 0, skipped: 0, failed: 0))
            #expect(done.finishedAt != nil && done.rowsPerSecond != nil && done.errors.isEmpty)
            #expect(try await fixture.integer("SELECT sum(price_cents)::bigint FROM products WHERE tenant = 'acme'") == 55)
            let json = String(decoding: try JSONEncoder().encode(done), as: UTF8.self)
            for key in ["\"rows_per_second\"", "\"started_at\"", "\"finished_at\"", "\"accepted_at\"", "\"on_conflict\":\"skip\"", "\"state\":\"succeeded\""] {
                #expect(json.contains(key), "\(key) in \(json)")
            }
        }
    }

    @Test func twoDeliveriesAtOnceTakeTurnsAndOnlyOneLoads() async throws {
        try await ImportFixture.with("together", poolSize: 4) { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(50))
            // Hold the chunk's lock so that both deliveries are waiting for it before either runs.
            let holder = try await fixture.pool.acquire()
            try await holder.connection.execute("BEGIN")
            try await holder.connection.execute(
                "SELECT 1 FROM conveyor_import_chunks WHERE import_id = $1 AND chunk_number = 1 FOR UPDATE", [receipt.id]
            )
            async let first = fixture.load(receipt.id, chunk: 1)
            async let second = fixture.load(receipt.id, chunk: 1)
            let bothWaiting = try await fixture.waitUntilLockWaits(2)
            try await holder.connection.execute("COMMIT")
            fixture.pool.release(holder)
            let outcomes = try await [first, second]
            #expect(bothWaiting)
            #expect(outcomes.filter(\.alreadyLoaded).count == 1)
            #expect(outcomes.allSatisfy { $0.inserted == 50 && $0.updated == 0 && $0.skipped == 0 })
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 50)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_ledger") == 1)
        }
    }

    @Test func conflictsAreSkippedOrUpdatedAsAskedAndCounted() async throws {
        try await ImportFixture.with("conflicts") { fixture async throws in
            try await fixture.loadAll(try await fixture.accept(ImportFixture.products(3)))

            // Skip: existing keys stay as they are; of a key repeated in the chunk, the first row goes in.
            let skip = try await fixture.accept(
                """
                {"sku":"SKU-2","name":"renamed","price_cents":2,"quantity":2}
                {"sku":"SKU-3","name":"thing 3","price_cents":3,"quantity":3}
                {"sku":"SKU-4","name":"first four","price_cents":4,"quantity":4}
                {"sku":"SKU-4","name":"second four","price_cents":4,"quantity":4}
                """
            )
            #expect(try await fixture.loadAll(skip).map { [$0.inserted, $0.updated, $0.skipped] } == [[1, 0, 3]])
            #expect(try await Self.names(fixture) == ["SKU-1": "thing 1", "SKU-2": "thing 2", "SKU-3": "thing 3", "SKU-4": "first four"])

            // Update: changed rows are written, unchanged ones skipped; of a repeated key, the last row wins.
            let update = try await fixture.accept(
                """
                {"sku":"SKU-1","name":"thing 1","price_cents":1,"quantity":1}
                {"sku":"SKU-2","name":"renamed","price_cents":2,"quantity":2}
                {"sku":"SKU-5","name":"first five","price_cents":5,"quantity":5}
                {"sku":"SKU-5","name":"second five","price_cents":5,"quantity":5}
                """,
                options: ImportOptions(onConflict: .update)
            )
            #expect(try await fixture.loadAll(update).map { [$0.inserted, $0.updated, $0.skipped] } == [[1, 1, 2]])
            #expect(try await Self.names(fixture)["SKU-2"] == "renamed")
            #expect(try await Self.names(fixture)["SKU-5"] == "second five")
            let progress = try #require(try await fixture.intake.progress(id: update.id))
            #expect(progress.rows == ImportProgress.Rows(total: 4, inserted: 1, updated: 1, skipped: 2, failed: 0))
            #expect(progress.onConflict == .update)

            // Another tenant's rows never conflict with these.
            let other = try await fixture.accept(ImportFixture.products(2), tenant: "globex")
            #expect(try await fixture.loadAll(other).map(\.inserted) == [2])
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 7)
        }
    }

    @Test func aChunkOfNewKeysKeepsTheFirstOrLastOfARepeatedKey() async throws {
        try await ImportFixture.with("newkeys") { fixture async throws in
            let rows = """
                {"sku":"SKU-1","name":"first one","price_cents":1,"quantity":1}
                {"sku":"SKU-2","name":"thing 2","price_cents":2,"quantity":2}
                {"sku":"SKU-1","name":"second one","price_cents":1,"quantity":1}
                """
            #expect(try await fixture.loadAll(try await fixture.accept(rows)).map { [$0.inserted, $0.updated, $0.skipped] } == [[2, 0, 1]])
            #expect(try await Self.names(fixture) == ["SKU-1": "first one", "SKU-2": "thing 2"])

            try await fixture.pool.withConnection { try await $0.execute("DELETE FROM products") }
            let update = try await fixture.accept(rows, options: ImportOptions(onConflict: .update))
            #expect(try await fixture.loadAll(update).map { [$0.inserted, $0.updated, $0.skipped] } == [[2, 0, 1]])
            #expect(try await Self.names(fixture) == ["SKU-1": "second one", "SKU-2": "thing 2"])
        }
    }

    @Test func aKeyThatAnotherTransactionInsertsMeanwhileIsSkippedNotRefused() async throws {
        for onConflict in [ConflictAction.skip, .update] {
            try await ImportFixture.with("race\(onConflict.rawValue)", poolSize: 4) { fixture async throws in
                let receipt = try await fixture.accept(ImportFixture.products(20), options: ImportOptions(onConflict: onConflict))
                // Another transaction writes one of the chunk's keys and commits only once the
                // load waits for it: the load cannot have seen the key before it inserts.
                let holder = try await fixture.pool.acquire()
                try await holder.connection.execute("BEGIN")
                try await holder.connection.execute(
                    "INSERT INTO products (tenant, sku, name, price_cents, quantity) VALUES ('acme', 'SKU-7', 'thing 7', 7, 0)"
                )
                async let outcome = fixture.load(receipt.id, chunk: 1)
                let waiting = try await fixture.waitUntilLockWaits(1)
                try await holder.connection.execute("COMMIT")
                fixture.pool.release(holder)
                let loaded = try await outcome
                #expect(waiting)
                #expect([loaded.inserted, loaded.updated, loaded.skipped] == [19, 0, 1] as [Int], "\(onConflict)")
                #expect(try await fixture.integer("SELECT count(*) FROM products") == 20)
                #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunk_failures") == 0)
            }
        }
    }

    static func names(_ fixture: ImportFixture) async throws -> [String: String] {
        try await fixture.pool.withConnection { connection in
            let rows = try await connection.query("SELECT sku, name FROM products WHERE tenant = 'acme'").rows
            return try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode("sku"), try $0.decode("name")) })
        }
    }

    @Test func aRowPostgreSQLRefusesFailsItsChunkWithItsLineAndTheOthersGoOn() async throws {
        try await ImportFixture.with("refused") { fixture async throws in
            // price_cents >= 0 is the table's rule, not the dataset's: the row passes the intake.
            let receipt = try await fixture.accept(
                ImportFixture.products(12, price: { $0 == 7 ? -5 : $0 }), options: ImportOptions(chunkSize: 4)
            )
            try await fixture.load(receipt.id, chunk: 1)
            let error = await #expect(throws: PermanentJobError.self) { try await fixture.load(receipt.id, chunk: 2) }
            #expect(error?.reason.hasPrefix("chunk 2 of import \(receipt.id): line 7: PostgreSQL refused the row: new row for relation \"products\" violates check constraint") == true)
            #expect(error?.reason.contains("Failing row contains (acme, SKU-7, thing 7, null, -5, 0, null)") == true)
            try await fixture.load(receipt.id, chunk: 3)

            #expect(try await fixture.integer("SELECT count(*) FROM products") == 8)
            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .partiallyFailed)
            #expect(progress.chunks == ImportProgress.Chunks(total: 3, done: 2, failed: 1))
            #expect(progress.rows == ImportProgress.Rows(total: 12, inserted: 8, updated: 0, skipped: 0, failed: 4))
            #expect(progress.errors.map(\.chunk) == [2])
            #expect(progress.errors.first?.line == 7)
            #expect(progress.errors.first?.message.contains("violates check constraint \"products_price_cents_check\"") == true)
            #expect(progress.finishedAt != nil)
        }
    }

    @Test func finishingRecordsAChunkThatItsJobLeftUnloadedAsFailed() async throws {
        try await ImportFixture.with("finishunloaded") { fixture async throws in
            let hook = try ExternalURL("https://hooks.example.com/imports")
            let receipt = try await fixture.accept(ImportFixture.products(12), options: ImportOptions(chunkSize: 4, callbackURL: hook))
            try await fixture.load(receipt.id, chunk: 1)
            try await fixture.load(receipt.id, chunk: 3)
            // Chunk 2's job died with its worker on its last attempt, or was cancelled: its batch finished all the same.
            await #expect(throws: PermanentJobError.self) {
                try await fixture.pool.withConnection { try await ImportFinish.finish(receipt.id, of: "globex", on: $0) }
            }
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports WHERE finished_at IS NOT NULL") == 0)
            let finished = try await fixture.pool.withConnection { try await ImportFinish.finish(receipt.id, of: "acme", on: $0) }
            #expect(finished == FinishedImport(id: receipt.id, callbackURL: hook.description))
            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .partiallyFailed && progress.callbackURL == hook.description)
            #expect(progress.chunks == ImportProgress.Chunks(total: 3, done: 2, failed: 1))
            #expect(progress.errors.map(\.chunk) == [2])
            #expect(progress.errors.first?.message.contains("ended without loading it") == true)
        }
    }

    @Test func aRowThatCOPYRefusesIsNamedByItsLine() async throws {
        try await ImportFixture.with("copy") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(3))
            // Rows are checked at the door; a spooled value PostgreSQL cannot read only comes from outside.
            try await fixture.pool.withConnection { connection in
                try await connection.execute(
                    "UPDATE conveyor_import_chunks SET data = replace(data, E'\\t2\\t2\\t', E'\\tlots\\t2\\t') WHERE import_id = $1",
                    [receipt.id]
                )
            }
            let error = await #expect(throws: PermanentJobError.self) { try await fixture.load(receipt.id, chunk: 1) }
            #expect(error?.reason == "chunk 1 of import \(receipt.id): line 2: PostgreSQL refused the row's column 'price_cents': invalid input syntax for type bigint: \"lots\"")
            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .failed)
            #expect(progress.errors.first?.line == 2)
        }
    }

    @Test func otherFailuresAreRecordedOnTheLastAttemptOnly() async throws {
        try await ImportFixture.with("last") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(3))
            try await fixture.pool.withConnection { try await $0.execute("ALTER TABLE products RENAME TO products_elsewhere") }
            await #expect(throws: PostgresError.self) { try await fixture.load(receipt.id, chunk: 1) }
            #expect(try await fixture.intake.progress(id: receipt.id)?.chunks.failed == 0)
            await #expect(throws: PostgresError.self) { try await fixture.load(receipt.id, chunk: 1, isLastAttempt: true) }
            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .failed)
            #expect(progress.errors.first?.message.contains("relation \"products\" does not exist") == true)

            // Once the table is back, a retry of the dead job loads the chunk and clears the failure.
            try await fixture.pool.withConnection { try await $0.execute("ALTER TABLE products_elsewhere RENAME TO products") }
            try await fixture.load(receipt.id, chunk: 1)
            let retried = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(retried.state == .succeeded && retried.errors.isEmpty)
        }
    }

    @Test func aChunkOfADatasetThatChangedIsRefused() async throws {
        try await ImportFixture.with("changed") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(3))
            let products = fixture.catalogue.dataset(named: "products")!
            let changed = DatasetCatalogue([
                Dataset(name: "products", table: "products", tenantColumn: "tenant", columns: Array(products.columns.dropLast()), key: products.key)
            ])
            let error = await #expect(throws: PermanentJobError.self) {
                try await fixture.pool.withConnection { connection in
                    try await BatchCreateLoader(catalogue: changed).load(
                        BatchCreate.Payload(importID: receipt.id, chunk: 1), on: connection, isLastAttempt: false
                    )
                }
            }
            #expect(error?.reason.contains("dataset 'products' changed after the import was accepted") == true)
            #expect(try await fixture.intake.progress(id: receipt.id)?.state == .failed)
        }
    }
}
