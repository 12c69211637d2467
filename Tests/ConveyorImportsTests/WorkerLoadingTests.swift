import ConveyorImports
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// batch_create jobs run by real `conveyor worker` processes: a chunk delivered again and
/// again, one of them killed with `kill -9` halfway through, is loaded exactly once.
@Suite(.serialized) struct WorkerLoadingTests {
    /// The result a batch_create job stores.
    struct Result: Decodable {
        let inserted: Int
        let updated: Int
        let skipped: Int
        let already_loaded: Bool
    }

    static func startWorker(_ fixture: ImportFixture, queue: QueueName? = nil, concurrency: Int = 2) async throws -> ConveyorProcess {
        let worker = try ConveyorProcess(
            ["worker", "--queues", (queue ?? fixture.queueName).rawValue, "--concurrency", "\(concurrency)", "--lease", "2"],
            environment: ["CONVEYOR_REDIS_URL": try TestEnvironment.redisURL(), "CONVEYOR_DATABASE_URL": fixture.databaseURL]
        )
        let started = try await eventually(timeout: .seconds(20)) {
            worker.logLines.contains { ($0["msg"] as? String) == "worker started" }
        }
        try #require(started, "the worker did not start: \(worker.output)")
        return worker
    }

    static func chunkJob(_ receipt: ImportReceipt, _ fixture: ImportFixture) -> JobRequest {
        JobRequest(
            kind: BatchCreate.kind, payload: #"{"import_id":"\#(receipt.id)","chunk":1}"#, queue: fixture.queueName,
            maxAttempts: BatchCreate.maxAttempts, timeout: BatchCreate.timeout, requestID: "duplicate", tenant: "acme"
        )
    }

    static func waitUntil(_ ids: [JobID], are state: JobState, in fixture: ImportFixture) async throws -> Bool {
        try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
            var states: [JobState] = []
            for id in ids { if let job = try await fixture.queue.job(id) { states.append(job.state) } }
            return states == Array(repeating: state, count: ids.count)
        }
    }

    @Test func aChunkDeliveredThreeTimesOnceKilledHalfwayIsLoadedOnce() async throws {
        try await ImportFixture.with("killed") { fixture async throws in
            // One large chunk, so that the worker is killed while it loads it.
            let rows = 100_000
            let receipt = try await fixture.accept(ImportFixture.products(rows), options: ImportOptions(chunkSize: rows))
            try #require(receipt.chunks == 1)
            let original = try #require(try await fixture.readyJobs().first?.id)

            let victim = try await Self.startWorker(fixture, concurrency: 1)
            let loading = try await eventually(timeout: .seconds(60), interval: .milliseconds(10)) {
                try await fixture.integer(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE application_name = $1 AND xact_start IS NOT NULL
                      AND (query LIKE 'COPY conveyor_staging%' OR query LIKE 'INSERT INTO%' OR query LIKE 'WITH written%')
                    """,
                    [fixture.schema]
                ) == 1
            }
            try #require(loading, "the worker never loaded the chunk: \(victim.output.suffix(2000))")
            // Once the attempt's lease has been renewed, Redis knows it started, and its death spends it.
            let confirmed = try await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                let key = "conveyor:{\(fixture.queueName)}:job:\(original)"
                let fields = try await fixture.redis.send(RedisCommand("HMGET", .string(key), "lease", "renewed")).array ?? []
                return fields.count == 2 && fields[0].string != nil && fields[0].string == fields[1].string
            }
            try #require(confirmed)
            victim.signal(SIGKILL)
            _ = try await victim.waitForExit(timeout: .seconds(10))
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_ledger") == 0, "the kill came after the commit")

            // A second job for the same chunk, ready at once, while the first waits out its lease.
            let duplicate = Self.chunkJob(receipt, fixture)
            try await fixture.queue.enqueue([duplicate])
            let survivor = try await Self.startWorker(fixture)
            #expect(try await Self.waitUntil([original, duplicate.id], are: .succeeded, in: fixture), "\(survivor.output.suffix(3000))")
            #expect(try await fixture.queue.job(original)?.attempt == 2)

            // And once more after both finished, as when an acknowledgement is lost after the commit.
            let retry = Self.chunkJob(receipt, fixture)
            try await fixture.queue.enqueue([retry])
            #expect(try await Self.waitUntil([retry.id], are: .succeeded, in: fixture))

            #expect(try await fixture.integer("SELECT count(*) FROM products") == rows)
            #expect(try await fixture.integer("SELECT count(DISTINCT sku) FROM products") == rows)
            #expect(try await fixture.integer("SELECT sum(price_cents)::bigint FROM products") == rows * (rows + 1) / 2)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_ledger") == 1)
            #expect(try await fixture.integer("SELECT inserted + updated + skipped FROM conveyor_import_ledger") == rows)

            var results: [Result] = []
            for id in [original, duplicate.id, retry.id] {
                let text = try #require(try await fixture.queue.job(id)?.result)
                results.append(try JSONDecoder().decode(Result.self, from: Data(text.utf8)))
            }
            #expect(results.filter { !$0.already_loaded }.count == 1)
            #expect(results.allSatisfy { $0.inserted == rows && $0.updated == 0 && $0.skipped == 0 })

            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .succeeded)
            #expect(progress.rows.inserted == rows)

            // The import's batch held the original job only: once it succeeded, its on_complete finished the import.
            let finished = try await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                try await fixture.integer("SELECT count(*) FROM conveyor_imports WHERE finished_at IS NOT NULL") == 1
            }
            #expect(finished, "\(survivor.output.suffix(3000))")

            // The timing lines: the delivery that loaded carries the rows; all measured the database.
            let lines = try await survivor.attemptLines(atLeast: 4).filter { ($0["outcome"] as? String) == "succeeded" }
            let chunkLines = lines.filter { ($0["kind"] as? String) == "batch_create" }
            #expect(chunkLines.compactMap { $0["rows"] as? Int }.sorted() == [0, 0, rows])
            #expect(chunkLines.allSatisfy { ($0["db_ms"] as? Double ?? 0) > 0 && $0["db_pool_wait_ms"] is Double })
            #expect(chunkLines.contains { ($0["request_id"] as? String) == "req-\(fixture.schema)" })
            #expect(lines.filter { ($0["kind"] as? String) == "import_finish" }.count == 1)
        }
    }

    @Test func workersLoadAnImportAndAChunkWithARefusedRowGoesToDead() async throws {
        try await ImportFixture.with("workers") { fixture async throws in
            let receipt = try await fixture.accept(
                ImportFixture.products(1000, price: { $0 == 550 ? -1 : $0 }), options: ImportOptions(chunkSize: 100)
            )
            let jobs = try await fixture.readyJobs().map(\.id)
            let worker = try await Self.startWorker(fixture, concurrency: 4)
            let finished = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                try await fixture.intake.progress(id: receipt.id)?.state == .partiallyFailed
            }
            try #require(finished, "\(worker.output.suffix(3000))")
            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.chunks.done == 9 && progress.chunks.failed == 1)
            #expect(progress.rows.inserted == 900 && progress.rows.failed == 100)
            #expect(progress.errors.map(\.chunk) == [6])
            #expect(progress.errors.first?.line == 550)

            #expect(try await Self.waitUntil(jobs.enumerated().filter { $0.offset != 5 }.map(\.element), are: .succeeded, in: fixture))
            let dead = try #require(try await fixture.queue.job(jobs[5]))
            #expect(dead.state == .dead && dead.attempt == 1)
            #expect(dead.error?.contains("chunk 6 of import \(receipt.id): line 550: PostgreSQL refused the row") == true)
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 900)
        }
    }

    @Test func anImportWhoseChunkJobsAreInNoBatchIsFinishedOnceWhenItsLastChunkEnds() async throws {
        try await ImportFixture.with("unbatched") { fixture async throws in
            let receipt = try await fixture.accept(
                ImportFixture.products(300, price: { $0 == 250 ? -1 : $0 }), options: ImportOptions(chunkSize: 100)
            )
            // Its chunk jobs as an import accepted before they made a batch has them: in none. In
            // a queue of their own, where no worker meets the batch the intake made.
            let legacy = TestEnvironment.uniqueQueue("unbatched-chunks")
            let chunkJobs = (1...3).map { chunk in
                JobRequest(
                    kind: BatchCreate.kind, payload: #"{"import_id":"\#(receipt.id)","chunk":\#(chunk)}"#, queue: legacy,
                    maxAttempts: BatchCreate.maxAttempts, timeout: BatchCreate.timeout, requestID: "unbatched", tenant: "acme"
                )
            }
            try await fixture.queue.enqueue(chunkJobs)
            let worker = try await Self.startWorker(fixture, queue: legacy, concurrency: 3)
            let finished = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                try await fixture.integer("SELECT count(*) FROM conveyor_imports WHERE finished_at IS NOT NULL") == 1
            }
            try #require(finished, "\(worker.output.suffix(3000))")
            let progress = try #require(try await fixture.intake.progress(id: receipt.id))
            #expect(progress.state == .partiallyFailed)
            #expect(progress.chunks.done == 2 && progress.chunks.failed == 1)

            // Under the id of the batch's on_complete, so that the batch, had it run, would have made none.
            let finish = try ImportFinish.batchID(of: receipt.id).onCompleteJobID(in: legacy)
            #expect(try await Self.waitUntil([finish], are: .succeeded, in: fixture), "\(worker.output.suffix(3000))")
            let lines = try await worker.attemptLines(atLeast: 4)
            #expect(lines.filter { ($0["kind"] as? String) == BatchCreate.kind }.count == 3)
            #expect(lines.filter { ($0["kind"] as? String) == ImportFinish.kind }.map { $0["job_id"] as? String } == [finish.description])
        }
    }

    @Test func aChunkJobOfAnotherTenantIsRefusedForGoodAndTouchesNothing() async throws {
        try await ImportFixture.with("foreign") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(10), options: ImportOptions(chunkSize: 10))
            let own = try #require(try await fixture.readyJobs().first?.id)
            // The import is acme's; a job of another tenant names it.
            var foreign = Self.chunkJob(receipt, fixture)
            foreign.tenant = "intruder"
            // It goes first, so that the import is still unloaded when it runs.
            try await fixture.queue.enqueue([foreign])
            _ = try await fixture.queue.cancel(own)
            let worker = try await Self.startWorker(fixture, concurrency: 1)
            #expect(try await Self.waitUntil([foreign.id], are: .dead, in: fixture), "\(worker.output.suffix(2000))")
            let dead = try #require(try await fixture.queue.job(foreign.id))
            #expect(dead.attempt == 1)
            #expect(dead.error?.contains("import \(receipt.id) does not exist for tenant 'intruder'") == true)
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 0)
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_ledger") == 0)
            // The only failure is the cancelled chunk's, which the import's finish records.
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunk_failures WHERE message NOT LIKE '%ended without loading it%'") == 0)
            #expect(try await fixture.intake.progress(id: receipt.id)?.startedAt == nil)
        }
    }

    @Test func aChunkWhoseLastAttemptTimesOutIsRecordedFailedAndTheImportEnds() async throws {
        try await ImportFixture.with("timeout") { fixture async throws in
            let receipt = try await fixture.accept(ImportFixture.products(3), options: ImportOptions(chunkSize: 3))
            let original = try #require(try await fixture.readyJobs().first?.id)
            #expect(try await fixture.queue.cancel(original) == .cancelled)
            // The chunk's only attempt waits on a lock the test holds, past its one-second timeout.
            let blocker = try await fixture.pool.acquire()
            try await blocker.connection.execute("BEGIN")
            _ = try await blocker.connection.query("SELECT FROM conveyor_imports WHERE id = $1 FOR UPDATE", [receipt.id])
            var job = Self.chunkJob(receipt, fixture)
            job.maxAttempts = 1
            job.timeout = .seconds(1)
            try await fixture.queue.enqueue([job])
            let worker = try await Self.startWorker(fixture)
            let timedOut = try await eventually(timeout: .seconds(20)) {
                worker.attemptLines.contains { ($0["outcome"] as? String) == "timed_out" }
            }
            try await blocker.connection.execute("ROLLBACK")
            fixture.pool.release(blocker)
            try #require(timedOut, "\(worker.output.suffix(2000))")

            #expect(try await Self.waitUntil([job.id], are: .dead, in: fixture))
            let ended = try await eventually(timeout: .seconds(20)) {
                try await fixture.intake.progress(id: receipt.id)?.state == .failed
            }
            let progress = try await fixture.intake.progress(id: receipt.id)
            #expect(ended, "the import did not end: \(String(describing: progress))")
            #expect(try await fixture.integer("SELECT count(*) FROM conveyor_import_chunk_failures WHERE import_id = $1", [receipt.id]) == 1)
            #expect(try await fixture.integer("SELECT count(*) FROM products") == 0)
        }
    }
}
