import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
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
            let failed = JobRequest(kind: "drill.fail", payload: "{}", queue: queueName, maxAttempts: 1, tenant: fixture.tenant)
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
                    SELECT job_id, attempt, kind, queue, outcome, state, wait_ms >= 0 AND run_ms >= 0 AS timed,
                           abs(extract(epoch FROM now() - finished_at)) < 300 AS recent
                    FROM conveyor_job_history WHERE tenant = $1 ORDER BY kind, job_id
                    """,
                    [fixture.tenant]
                )
            }
            let failedRow = try #require(rows.rows.first)
            #expect(try failedRow.decode("job_id", as: String.self) == failed.id.description)
            #expect(try failedRow.decode("kind", as: String.self) == "drill.fail")
            #expect(try failedRow.decode("outcome", as: String.self) == "failed")
            #expect(try failedRow.decode("state", as: String.self) == "dead")
            for row in rows.rows.dropFirst() {
                #expect(try row.decode("outcome", as: String.self) == "succeeded")
                #expect(try row.decode("state", as: String.self) == "succeeded")
                #expect(try row.decode("queue", as: String.self) == queueName.rawValue)
                #expect(try row.decode("attempt", as: Int.self) == 1)
            }
            #expect(try rows.rows.allSatisfy { try $0.decode("timed", as: Bool.self) && $0.decode("recent", as: Bool.self) })
            worker.signal(SIGTERM)
            _ = try await worker.waitForExit(timeout: .seconds(30))
            await redis.shutdown()
        }
    }
}
