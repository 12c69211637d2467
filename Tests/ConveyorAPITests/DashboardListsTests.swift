@testable import ConveyorAPI
import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("The dashboard's lists: scheduled and retrying jobs, jobs by request id, imports and exports")
struct DashboardListsTests {
    @Test("scheduled and retrying jobs are listed soonest first; an admin runs one now or cancels it, a producer sees its own and gets 403")
    func schedule() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-schedule")
        try await APITestApp.run { client, services in
            let runAt = Timestamp.localNow + .seconds(600)
            let own = JobRequest(kind: "noop", queue: queue, runAt: runAt, tenant: TestKey.producerA.tenant)
            let other = JobRequest(kind: "noop", queue: queue, runAt: runAt + .seconds(1), tenant: TestKey.producerB.tenant)
            let failing = JobRequest(kind: "noop", queue: queue, maxAttempts: 3, tenant: TestKey.producerA.tenant)
            try await services.queue.enqueue([own, other, failing])
            let attempt = try #require(try await services.queue.reserve(from: queue, count: 1, lease: .seconds(30), worker: "w").jobs.first)
            #expect(try await services.queue.fail(attempt.lease, error: "upstream said no", retryIn: .seconds(300), permanent: false) == .retrying)

            let admin = try await client.session(.admin)
            let scheduled = try await client.page("/ui/scheduled?queue=\(queue)", cookie: admin)
            #expect(scheduled.status == .ok)
            #expect(scheduled.text.contains(own.id.description) && scheduled.text.contains(other.id.description))
            #expect(!scheduled.text.contains(failing.id.description), "a retrying job on the scheduled page")
            let order = try #require(scheduled.text.range(of: own.id.description)).lowerBound < #require(scheduled.text.range(of: other.id.description)).lowerBound
            #expect(order, "the soonest first")
            let retrying = try await client.page("/ui/retrying?queue=\(queue)", cookie: admin)
            #expect(retrying.text.contains(failing.id.description) && retrying.text.contains("<td class=\"error\">upstream said no</td>"))
            #expect(retrying.text.contains("<th>Next attempt</th><th>Last error</th><th></th></tr>"))
            #expect(!retrying.text.contains(own.id.description))
            let ofTenant = try await client.page("/ui/scheduled?queue=\(queue)&tenant=\(TestKey.producerB.tenant)", cookie: admin)
            #expect(ofTenant.text.contains(other.id.description) && !ofTenant.text.contains(own.id.description))
            #expect(try await client.page("/ui/scheduled?queue=No+Such", cookie: admin).status == .badRequest)

            let producer = try await client.session(.producerA)
            let mine = try await client.page("/ui/scheduled?queue=\(queue)&tenant=\(TestKey.producerB.tenant)", cookie: producer)
            #expect(mine.status == .ok && mine.text.contains(own.id.description))
            #expect(!mine.text.contains(other.id.description) && !mine.text.contains("/ui/scheduled/run-now"))
            let producerToken = try await client.csrfToken(cookie: producer)
            for action in ["run-now", "cancel"] {
                let refused = try await client.page("/ui/scheduled/\(action)", method: .post, cookie: producer, form: "csrf=\(producerToken)&id=\(own.id)")
                #expect(refused.status == .forbidden, "\(action)")
            }
            #expect(try await services.queue.job(own.id)?.state == .scheduled)

            let token = try await client.csrfToken(cookie: admin)
            let ran = try await client.page(
                "/ui/scheduled/run-now", method: .post, cookie: admin, form: "csrf=\(token)&id=\(own.id)&state=scheduled&queue=\(queue)&from=0")
            #expect(ran.status == .seeOther && ran.headers[.location] == "/ui/scheduled?queue=\(queue)&from=0&done=run-now")
            #expect(try await services.queue.job(own.id)?.state == .queued)
            let again = try await client.page("/ui/scheduled/run-now", method: .post, cookie: admin, form: "csrf=\(token)&id=\(own.id)&queue=\(queue)")
            #expect(again.headers[.location]?.hasSuffix("&missed=1") == true)
            let cancelled = try await client.page(
                "/ui/scheduled/cancel", method: .post, cookie: admin, form: "csrf=\(token)&id=\(failing.id)&state=retrying&queue=\(queue)")
            #expect(cancelled.headers[.location] == "/ui/retrying?queue=\(queue)&from=0&done=cancel")
            #expect(try await services.queue.job(failing.id)?.state == .cancelled)
            let note = try await client.page(try #require(cancelled.headers[.location]), cookie: admin)
            #expect(note.text.contains("The job was cancelled") && !note.text.contains(failing.id.description))
            _ = try await services.queue.cancel(other.id)
        }
    }

    @Test("a page looks through a bounded part of the schedule and says where it stopped")
    func boundedSchedule() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-schedule-bound")
        try await APITestApp.run { client, services in
            let runAt = Timestamp.localNow + .seconds(600)
            let others = (0..<(ScheduledJobSelection.scanned + 10)).map { index in
                JobRequest(kind: "noop", queue: queue, runAt: runAt + .milliseconds(index), tenant: TestKey.producerB.tenant)
            }
            let late = JobRequest(kind: "noop", queue: queue, runAt: runAt + .seconds(3600), tenant: TestKey.producerA.tenant)
            try await services.queue.enqueue(others + [late])
            let producer = try await client.session(.producerA)
            let first = try await client.page("/ui/scheduled?queue=\(queue)", cookie: producer)
            #expect(!first.text.contains(late.id.description))
            #expect(first.text.contains("Looked through jobs 1 to 2,000 of the schedule's 2,011"))
            #expect(first.text.contains("from=\(ScheduledJobSelection.scanned)\">Later</a>"))
            let further = try await client.page("/ui/scheduled?queue=\(queue)&from=\(ScheduledJobSelection.scanned)", cookie: producer)
            #expect(further.text.contains(late.id.description) && !further.text.contains(">Later</a>"))
        }
    }

    @Test("jobs are found by request id in the job history: an admin's across tenants, a producer's in its own")
    func byRequestID() async throws {
        let requestID = "req-\(UInt64.random(in: 0 ... .max))"
        let otherTenant = "t-request-\(UInt64.random(in: 0 ... .max))"
        try await APITestApp.run { client, services in
            try await services.database.withConnection { connection in
                for (number, tenant) in [TestKey.producerA.tenant, otherTenant].enumerated() {
                    _ = try await connection.execute(
                        """
                        INSERT INTO conveyor_job_history (job_id, attempt, kind, queue, tenant, request_id, outcome, state, wait_ms, run_ms, finished_at)
                        VALUES ($1, 1, 'noop', 'default', $2, $3, 'succeeded', 'succeeded', 1, 2, now())
                        """,
                        ["default.01J0000000000000000000REQ\(number)", tenant, requestID]
                    )
                }
            }
            let admin = try await client.session(.admin)
            let all = try await client.page("/ui/jobs?request_id=\(requestID)", cookie: admin)
            #expect(all.status == .ok && all.text.contains("default.01J0000000000000000000REQ0") && all.text.contains("default.01J0000000000000000000REQ1"))
            #expect(all.text.contains("<td>\(otherTenant)</td>"))
            let one = try await client.page("/ui/jobs?request_id=\(requestID)&tenant=\(otherTenant)", cookie: admin)
            #expect(one.text.contains("REQ1") && !one.text.contains("REQ0"))
            #expect(try await client.page("/ui/jobs?request_id=nothing-\(requestID)", cookie: admin).text.contains("No finished attempt"))

            let producer = try await client.session(.producerA)
            let own = try await client.page("/ui/jobs?request_id=\(requestID)&tenant=\(otherTenant)", cookie: producer)
            #expect(own.text.contains("REQ0") && !own.text.contains("REQ1"))
            try await services.database.withConnection { connection in
                _ = try await connection.execute("DELETE FROM conveyor_job_history WHERE request_id = $1", [requestID])
            }
        }
    }

    @Test("imports and exports are listed newest first, with progress and downloads; a producer sees its own tenant's")
    func importsAndExports() async throws {
        let suffix = String(UInt64.random(in: 0 ... .max))
        let otherTenant = "t-records-\(suffix)"
        let ownImport = "IMPORTA\(suffix)"
        let otherImport = "IMPORTB\(suffix)"
        let ownExport = "EXPORTA\(suffix)"
        let otherExport = "EXPORTB\(suffix)"
        try await APITestApp.run { client, services in
            try await services.database.withConnection { connection in
                for (id, tenant) in [(ownImport, TestKey.producerA.tenant), (otherImport, otherTenant)] {
                    _ = try await connection.execute(
                        """
                        INSERT INTO conveyor_imports (id, dataset, tenant, columns, on_conflict, chunk_size, chunk_count, row_count, request_id, started_at)
                        VALUES ($1, 'products', $2, 'sku', 'skip', 10, 2, 20, 'req', now())
                        """,
                        [id, tenant]
                    )
                    _ = try await connection.execute(
                        "INSERT INTO conveyor_import_chunks (import_id, chunk_number, row_count, first_line) VALUES ($1, 1, 10, 1), ($1, 2, 10, 11)", [id])
                    _ = try await connection.execute(
                        "INSERT INTO conveyor_import_ledger (import_id, chunk_number, inserted, updated, skipped) VALUES ($1, 1, 10, 0, 0)", [id])
                }
                for (id, tenant) in [(ownExport, TestKey.producerA.tenant), (otherExport, otherTenant)] {
                    _ = try await connection.execute(
                        """
                        INSERT INTO conveyor_exports (id, tenant, export, format, state, rows, file_name, request_id, expires_at)
                        VALUES ($1, $2, 'products', 'csv', 'succeeded', 3, 'file.csv', 'req', now() + interval '1 hour')
                        """,
                        [id, tenant]
                    )
                }
            }
            let admin = try await client.session(.admin)
            let imports = try await client.page("/ui/imports", cookie: admin)
            #expect(imports.status == .ok && imports.text.contains(ownImport) && imports.text.contains(otherImport))
            let order = try #require(imports.text.range(of: otherImport)).lowerBound < #require(imports.text.range(of: ownImport)).lowerBound
            #expect(order, "the newest first")
            #expect(imports.text.contains("<progress class=\"progress\" max=\"100\" value=\"50\">"))
            let ofTenant = try await client.page("/ui/imports?tenant=\(otherTenant)", cookie: admin)
            #expect(ofTenant.text.contains(otherImport) && !ofTenant.text.contains(ownImport))
            let exports = try await client.page("/ui/exports?tenant=\(otherTenant)", cookie: admin)
            #expect(exports.text.contains("<a href=\"/ui/exports/\(otherExport)/file\" download>products-\(otherExport).csv</a>"))
            #expect(!exports.text.contains(ownExport))
            #expect(try await client.page("/ui/exports?id=\(otherExport)", cookie: admin).headers[.location] == "/ui/exports/\(otherExport)")

            let producer = try await client.session(.producerA)
            let ownImports = try await client.page("/ui/imports?tenant=\(otherTenant)", cookie: producer)
            #expect(ownImports.text.contains(ownImport) && !ownImports.text.contains(otherImport) && !ownImports.text.contains("name=\"tenant\""))
            let ownExports = try await client.page("/ui/exports", cookie: producer)
            #expect(ownExports.text.contains("/ui/exports/\(ownExport)/file") && !ownExports.text.contains(otherExport))

            try await services.database.withConnection { connection in
                _ = try await connection.execute("DELETE FROM conveyor_imports WHERE id IN ($1, $2)", [ownImport, otherImport])
                _ = try await connection.execute("DELETE FROM conveyor_exports WHERE id IN ($1, $2)", [ownExport, otherExport])
            }
        }
    }

    @Test("the queues page shows a page of the queues whose name holds a filter, and its live stream names those alone")
    func queueSelection() async throws {
        let family = TestEnvironment.uniqueQueue("ui-sel").rawValue
        let names = try ["a", "b", "c"].map { try QueueName("\(family)-\($0)") }
        try await APITestApp.run { client, _ in
            for name in names { _ = try await client.enqueue(in: name) }
            let admin = try await client.session(.admin)
            func shown(_ path: String) async throws -> (rows: [String], events: String) {
                let text = try await client.page(path, cookie: admin).text
                let rows = names.map(\.rawValue).filter { text.contains("data-live=\"queue.\($0).depth\"") }
                let events = try #require(text.firstMatch(of: #/data-events="([^"]*)"/#)).output.1
                return (rows, String(events))
            }
            let family = try await shown("/ui/queues?name=\(family)")
            #expect(family.rows == names.map(\.rawValue))
            #expect(family.events == "/ui/events?view=queues" + names.map { "&amp;queue=\($0)" }.joined())
            let one = try await shown("/ui/queues?name=\(names[1])")
            #expect(one.rows == [names[1].rawValue] && one.events == "/ui/events?view=queues&amp;queue=\(names[1])")
        }
        // The first of those named, less the two that are not queue names.
        #expect(QueueSelection.named(in: ["good", "Not Good!", ""] + (0..<40).map { "q\($0)" }).count == QueueSelection.liveLimit - 2)
    }
}
