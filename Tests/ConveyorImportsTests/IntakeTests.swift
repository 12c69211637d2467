@testable import ConveyorImports
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// Accepting imports against the real PostgreSQL and Redis: all or nothing at the door.
@Suite struct IntakeTests {
    @Test func anAcceptedImportIsStoredInChunksWithOneJobEach() async throws {
        try await ImportFixture.with("accept") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(5), options: ImportOptions(onConflict: .update, chunkSize: 2), pieceSize: 17)
            #expect(receipt.dataset == "products" && receipt.state == .queued)
            #expect(receipt.chunks == 3 && receipt.rows == 5)
            #expect(receipt.onConflict == .update && receipt.chunkSize == 2)
            let json = String(decoding: try JSONEncoder().encode(receipt), as: UTF8.self)
            #expect(json.contains(#""on_conflict":"update""#) && json.contains(#""chunk_size":2"#))

            try await fixture.pool.withConnection { connection in
                let record = try await connection.query("SELECT * FROM conveyor_imports WHERE id = $1", [receipt.id]).rows[0]
                #expect(try record.decode("dataset", as: String.self) == "products")
                #expect(try record.decode("tenant", as: String.self) == "acme")
                #expect(try record.decode("chunk_count", as: Int.self) == 3)
                #expect(try record.decode("row_count", as: Int.self) == 5)
                #expect(try record.decode("request_id", as: String.self) == "req-\(fixture.schema)")
                let chunks = try await connection.query(
                    "SELECT chunk_number, row_count, first_line, data FROM conveyor_import_chunks WHERE import_id = $1 ORDER BY chunk_number",
                    [receipt.id]
                ).rows
                #expect(try chunks.map { try $0.decode("row_count", as: Int.self) } == [2, 2, 1])
                #expect(try chunks.map { try $0.decode("first_line", as: Int.self) } == [1, 3, 5])
                #expect(try chunks[0].decode("data", as: String.self) == "1\tSKU-1\tthing 1\t\\N\t1\t1\t\\N\n2\tSKU-2\tthing 2\t\\N\t2\t2\t\\N\n")
            }

            let jobs = try await fixture.readyJobs()
            #expect(jobs.map(\.kind) == ["batch_create", "batch_create", "batch_create"])
            #expect(jobs.map(\.payload) == (1...3).map { #"{"chunk":\#($0),"import_id":"\#(receipt.id)"}"# })
            #expect(jobs.allSatisfy { $0.requestID == "req-\(fixture.schema)" && $0.tenant == "acme" && $0.maxAttempts == BatchCreate.maxAttempts })

            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .queued)
            #expect(progress.chunks == ImportProgress.Chunks(total: 3, done: 0, failed: 0))
            #expect(progress.rows == ImportProgress.Rows(total: 5, inserted: 0, updated: 0, skipped: 0, failed: 0))
            #expect(progress.startedAt == nil && progress.finishedAt == nil && progress.rowsPerSecond == nil)
        }
    }

    @Test(arguments: [ImportFormat.ndjson, .csv, .jsonArray])
    func anImportWithABadRowStoresAndEnqueuesNothing(format: ImportFormat) async throws {
        try await ImportFixture.with("refused") { fixture async throws in
            // Chunks of 10 rows: several are spooled before the bad row is read.
            let body = ParserTests.body(format, rows: 200, badIndex: 150)
            let line = format == .ndjson ? 151 : 152
            let error = await #expect(throws: ImportError.self) {
                try await fixture.accept(body, format, options: ImportOptions(chunkSize: 10), pieceSize: 1000)
            }
            #expect(error?.kind == .invalidRows)
            #expect(error?.problems == [RowProblem(line: line, field: "price_cents", message: "should be a whole number, not '12.5'")])
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports") == 0)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunks") == 0)
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 0)
        }
    }

    @Test func requestsThatCannotBeImportedAreRefusedWithWhatToFix() async throws {
        try await ImportFixture.with("errors") { fixture async throws in
            let unknown = await #expect(throws: ImportError.self) { try await fixture.accept("{}", dataset: "widgets") }
            #expect(unknown?.kind == .unknownDataset)
            #expect(unknown?.detail == "there is no dataset 'widgets': the datasets are products")

            let option = await #expect(throws: ImportError.self) { try await fixture.accept("{}", options: ImportOptions(chunkSize: 0)) }
            #expect(option?.kind == .invalidOption)

            let empty = await #expect(throws: ImportError.self) { try await fixture.accept("") }
            #expect(empty?.kind == .emptyBody)
            #expect(empty?.detail == "the body is empty: send the rows to import")

            let headerOnly = await #expect(throws: ImportError.self) { try await fixture.accept("sku,name,price_cents,quantity\r\n", .csv) }
            #expect(headerOnly?.kind == .emptyBody)
            #expect(headerOnly?.detail == "the body has no rows: send at least one")

            let tooLarge = await #expect(throws: ImportError.self) {
                try await fixture.accept(ImportFixture.products(100), options: ImportOptions(chunkSize: 10), pieceSize: 500, maxBodyBytes: 4000)
            }
            #expect(tooLarge?.kind == .bodyTooLarge)

            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports") == 0)
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 0)
            #expect(try await fixture.intake.progress(id: "01J00000000000000000000000") == nil)
        }
    }

    @Test func anImportOfMoreChunksThanAllowedIsRefused() async throws {
        try await ImportFixture.with("many") { fixture async throws in
            let body = String(repeating: #"{"sku":"S","name":"n","price_cents":1,"quantity":1}"# + "\n", count: ImportIntake.maxChunks + 1)
            let error = await #expect(throws: ImportError.self) { try await fixture.accept(body, options: ImportOptions(chunkSize: 1)) }
            #expect(error?.kind == .invalidOption)
            #expect(error?.detail.contains("raise chunk_size") == true)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunks") == 0)
        }
    }

    @Test func anImportWhoseJobsTheQueueRefusesIsWithdrawn() async throws {
        try await ImportFixture.with("full", policy: QueuePolicy(maxLength: 2)) { fixture async throws in
            await #expect(throws: QueueError.self) {
                try await fixture.accept(ImportFixture.products(5), options: ImportOptions(chunkSize: 1))
            }
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports") == 0)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunks") == 0)
            #expect(try await fixture.queue.statistics(of: fixture.queueName).depth == 0)
        }
    }

    @Test func anImportWhoseEnqueueReplyIsLostKeepsItsJobsAndTheRelaySendsThemOnce() async throws {
        try await ImportFixture.with("lostreply") { fixture async throws in
            let redisPort = try #require(URLComponents(string: try TestEnvironment.redisURL())?.port)
            let relay = try TCPRelay(toPort: UInt16(redisPort))
            defer { relay.cut() }
            let relayed = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(relay.port)/0"), logger: ImportFixture.logger)
            let intake = ImportIntake(
                catalogue: fixture.catalogue, pool: fixture.pool, queue: JobQueue(redis: relayed), queueName: fixture.queueName,
                logger: ImportFixture.logger
            )
            // The enqueue runs in Redis, but its reply never arrives.
            relay.loseReply(toRequestContaining: "{\(fixture.queueName)}:fresh")
            let receipt = try await intake.accept(
                dataset: "products", format: .ndjson, options: ImportOptions(chunkSize: 2), tenant: "acme", requestID: "lost",
                maxBodyBytes: 1 << 20, body: PiecewiseBody(Array(ImportFixture.products(6).utf8), pieceSize: 1024)
            )
            #expect(receipt.chunks == 3)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_imports WHERE id = $1", [receipt.id]) == 1)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_job_outbox WHERE sent_at IS NULL") == 1)

            // A relay sends the entry again, with the same ids: the queue holds each chunk job once.
            try await fixture.pool.withConnection { try await $0.execute("UPDATE conveyor_job_outbox SET deliver_after = now()") }
            let pass = try await JobOutbox(pool: fixture.pool, queue: fixture.queue).deliverPending()
            #expect(pass == JobOutbox.Pass(sent: 1, failed: 0))
            let jobs = try await fixture.readyJobs()
            #expect(jobs.count == 3)
            #expect(Set(jobs.map(\.id)).count == 3)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_job_outbox WHERE sent_at IS NULL") == 0)
            // They are one batch, which the resend opened once, counting each job once.
            let batch = try #require(try await fixture.queue.batchStatus(try ImportFinish.batchID(of: receipt.id)))
            #expect(batch.state == .open && batch.tenant == "acme")
            #expect(batch.total == 3 && batch.pending == 3)
            await relayed.shutdown()
        }
    }

    @Test func anImportCommittedByAProcessThatDiedIsEnqueuedByAWorkersRelay() async throws {
        try await ImportFixture.with("died") { fixture async throws in
            // What a dying API leaves: the import and its outbox entry, committed, and nothing in Redis.
            let receipt = try await fixture.accept(ImportFixture.products(4), options: ImportOptions(chunkSize: 2))
            let ids = try await fixture.readyJobs().map(\.id)
            _ = try await fixture.redis.send(RedisCommand("DEL", .string("conveyor:{\(fixture.queueName)}:ready"), .string("conveyor:{\(fixture.queueName)}:fresh")))
            try await fixture.pool.withConnection { try await $0.execute("UPDATE conveyor_job_outbox SET sent_at = NULL") }

            let worker = try await WorkerLoadingTests.startWorker(fixture)
            let loaded = try await WorkerLoadingTests.waitUntil(ids, are: .succeeded, in: fixture)
            #expect(loaded, "\(worker.output.suffix(2000))")
            #expect(try await fixture.intake.progress(id: receipt.id)?.state == .succeeded)
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 4)
            // The relay created their batch, whose on_complete finished the import.
            let finished = try await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                try await fixture.integer("SELECT count(*) FROM conveyor_imports WHERE id = $1 AND finished_at IS NOT NULL", [receipt.id]) == 1
            }
            #expect(finished, "\(worker.output.suffix(2000))")
            #expect(try await fixture.queue.batchStatus(try ImportFinish.batchID(of: receipt.id))?.state == .finished)
        }
    }
}
