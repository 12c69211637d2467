import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
@testable import ConveyorWorker
import Foundation
import Logging
import Testing

@Suite("Job history")
struct JobHistoryTests {
    @Test("a worker writes one history row per finished attempt, with outcome, state and times")
    func workerWritesHistory() async throws {
        try await ExportFixture.with { fixture in
            let queueName = TestEnvironment.uniqueQueue("history")
            let redis = try TestEnvironment.redis()
            let queue = JobQueue(redis: redis)
            let worker = try ConveyorProcess(["worker", "--queues", queueName.rawValue])
            let succeeded = (0..<20).map { _ in JobRequest(kind: "noop", queue: queueName, maxAttempts: 1, tenant: fixture.tenant) }
            let failed = JobRequest(kind: "drill.fail", payload: "{}", queue: queueName, maxAttempts: 1, requestID: "req-history", tenant: fixture.tenant)
            try await queue.enqueue(succeeded + [failed])

            let written = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                let result = try await fixture.pool.withConnection { connection in
                    try await connection.query("SELECT count(*) AS rows FROM conveyor_job_history WHERE tenant = $1", [fixture.tenant])
                }
                return try result.rows[0].decode("rows", as: Int.self) == 21
            }
            #expect(written, "the worker wrote no history: \(worker.output.suffix(2000))")
            let rows = try await fixture.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT job_id, attempt, kind, queue, request_id, outcome, state,
                           wait_ms >= 0 AND run_ms >= 0 AND db_pool_wait_ms >= 0 AND db_ms >= 0 AND external_ms >= 0 AND redis_ms >= 0 AS timed,
                           abs(extract(epoch FROM now() - finished_at)) < 300 AS recent
                    FROM conveyor_job_history WHERE tenant = $1 ORDER BY kind, job_id
                    """,
                    [fixture.tenant]
                )
            }
            let failedRow = try #require(rows.rows.first)
            #expect(try failedRow.decode("job_id", as: String.self) == failed.id.description)
            #expect(try failedRow.decode("kind", as: String.self) == "drill.fail")
            #expect(try failedRow.decode("request_id", as: String.self) == "req-history")
            #expect(try failedRow.decode("outcome", as: String.self) == "failed")
            #expect(try failedRow.decode("state", as: String.self) == "dead")
            for row in rows.rows.dropFirst() {
                #expect(try row.decode("outcome", as: String.self) == "succeeded")
                #expect(try row.decode("state", as: String.self) == "succeeded")
                #expect(try row.decode("queue", as: String.self) == queueName.rawValue)
                #expect(try row.decode("attempt", as: Int.self) == 1)
                #expect(try row.decode("request_id", as: String.self) == "")
            }
            #expect(try rows.rows.allSatisfy { try $0.decode("timed", as: Bool.self) && $0.decode("recent", as: Bool.self) })
            worker.signal(SIGTERM)
            _ = try await worker.waitForExit(timeout: .seconds(30))
            await redis.shutdown()
        }
    }

    @Test("a full batch of history rows is written at once, without waiting for the interval")
    func fullBatchIsWrittenEarly() async throws {
        try await ExportFixture.with { fixture in
            let writer = JobHistoryWriter(
                database: fixture.pool, logger: Logger(label: "conveyor.history.tests"), batchRows: 5, interval: .seconds(3600)
            )
            let writing = Task { await writer.run() }
            defer { writing.cancel() }
            let queueName = TestEnvironment.uniqueQueue("history-batch")
            let finishedAt = Timestamp.localNow
            func record(_ count: Int) {
                for _ in 0..<count {
                    writer.record(JobHistoryWriter.Entry(
                        job: JobID(in: queueName), attempt: 1, kind: "noop", tenant: fixture.tenant, requestID: "req-batch", outcome: "succeeded",
                        state: "succeeded", waitMicroseconds: 10, runMicroseconds: 20,
                        phases: JobTimings.Figures(databasePoolWait: .microseconds(1500), database: .milliseconds(3), external: .microseconds(250), redis: .zero),
                        finishedAt: finishedAt
                    ))
                }
            }
            func rowsWritten() async throws -> Int {
                let result = try await fixture.pool.withConnection { connection in
                    try await connection.query("SELECT count(*) AS rows FROM conveyor_job_history WHERE tenant = $1", [fixture.tenant])
                }
                return try result.rows[0].decode("rows", as: Int.self)
            }

            record(4)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await rowsWritten() == 0, "a batch short of its rows waits for the interval")
            record(1)
            let written = try await eventually(timeout: .seconds(20), interval: .milliseconds(100)) { try await rowsWritten() == 5 }
            #expect(written, "the full batch was not written before the interval")
            let phases = try await fixture.pool.withConnection { connection in
                try await connection.query(
                    "SELECT DISTINCT db_pool_wait_ms, db_ms, external_ms, redis_ms, finished_at FROM conveyor_job_history WHERE tenant = $1",
                    [fixture.tenant]
                )
            }
            let row = try #require(phases.rows.first)
            #expect(phases.rows.count == 1)
            #expect(try [row.decode("db_pool_wait_ms", as: Double.self), row.decode("db_ms", as: Double.self),
                         row.decode("external_ms", as: Double.self), row.decode("redis_ms", as: Double.self)] == [1.5, 3, 0.25, 0])
            #expect(Timestamp(try row.decode("finished_at", as: Date.self)) == finishedAt, "written to the microsecond")
        }
    }
}
