import ConveyorExports
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

@Suite("Scheduled exports")
struct ScheduledExportTests {
    @Test("a metric_export job that names its export, as a schedule's does, records and runs it for the job's tenant")
    func namedExport() async throws {
        try await ExportFixture.with { fixture in
            try await fixture.insertProducts()
            let queueName = TestEnvironment.uniqueQueue("scheduled-exports")
            let redis = try TestEnvironment.redis()
            let queue = JobQueue(redis: redis)
            let worker = try ConveyorProcess(["worker", "--queues", queueName.rawValue, "--export-dir", fixture.folder])
            let job = JobRequest(
                kind: MetricExport.kind, payload: #"{"export": "inventory-by-category", "params": {"category": "tools"}}"#,
                queue: queueName, maxAttempts: 1, tenant: fixture.tenant
            )
            try await queue.enqueue([job])
            let id = String(job.id.unique)
            let done = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                try await fixture.pool.withConnection { try await ExportStore.record(id: id, on: $0) }?.state == .succeeded
            }
            #expect(done, "worker output: \(worker.output.suffix(2000))")
            let record = try #require(try await fixture.pool.withConnection { try await ExportStore.record(id: id, on: $0) })
            #expect(record.tenant == fixture.tenant && record.export == "inventory-by-category" && record.format == .csv)
            #expect(record.rows == 1)
            #expect(record.jobID == job.id.description)
            let fileName = try #require(record.fileName)
            let csv = String(decoding: try #require(try await fixture.contents(of: fileName)), as: UTF8.self)
            #expect(csv.hasPrefix("category,products,units,value_cents\ntools,125,"))
            worker.signal(SIGTERM)
            _ = try await worker.waitForExit(timeout: .seconds(30))
            await redis.shutdown()
        }
    }
}
