import ConveyorExports
import ConveyorPostgres
import Foundation
import Testing

/// Serialized: a sweep clears every expired record of the database but looks for the files
/// in its own test's folder, so two tests' sweeps at once would clear each other's records and
/// leave their files.
@Suite("Retention sweep", .serialized)
struct RetentionSweepTests {
    @Test("the retention sweep deletes expired files, then their records after the grace period, and old history rows")
    func retention() async throws {
        try await ExportFixture.with { fixture in
            let settings = fixture.settings()
            try FileManager.default.createDirectory(atPath: fixture.folder, withIntermediateDirectories: true)
            for name in ["fresh.csv", "expired.csv", "old.csv"] {
                try Data("x\n".utf8).write(to: URL(fileURLWithPath: settings.path(of: name)))
            }
            let ids = (fresh: ExportStore.makeID(), expired: ExportStore.makeID(), old: ExportStore.makeID())
            try await fixture.pool.withConnection { connection in
                for (id, file, expiry) in [
                    (ids.fresh, "fresh.csv", "now() + interval '1 day'"), (ids.expired, "expired.csv", "now() - interval '1 hour'"),
                    (ids.old, "old.csv", "now() - interval '30 days'"),
                ] {
                    try await connection.execute(
                        """
                        INSERT INTO conveyor_exports (id, tenant, export, format, state, file_name, request_id, expires_at)
                        VALUES ($1, $2, 'products', 'csv', 'succeeded', $3, 'test', \(expiry))
                        """,
                        [id, fixture.tenant, file]
                    )
                }
                try await connection.execute(
                    """
                    INSERT INTO conveyor_job_history (job_id, attempt, kind, queue, tenant, outcome, state, wait_ms, run_ms, finished_at)
                    VALUES ('default.a', 1, 'noop', 'default', $1, 'succeeded', 'succeeded', 1, 1, now() - interval '15 days'),
                           ('default.b', 1, 'noop', 'default', $1, 'succeeded', 'succeeded', 1, 1, now() - interval '1 day')
                    """,
                    [fixture.tenant]
                )
            }
            let outcome = try await fixture.pool.withConnection { connection in try await RetentionSweep(settings: settings).run(on: connection) }
            #expect(outcome.files >= 2 && outcome.records >= 1 && outcome.historyRows >= 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder) == ["fresh.csv"])
            try await fixture.pool.withConnection { connection in
                let expired = try #require(try await ExportStore.record(id: ids.expired, on: connection))
                #expect(expired.isExpired && expired.fileName == nil)
                #expect(try await ExportStore.record(id: ids.old, on: connection) == nil)
                #expect(try await ExportStore.record(id: ids.fresh, on: connection)?.fileName == "fresh.csv")
                let history = try await connection.query("SELECT job_id FROM conveyor_job_history WHERE tenant = $1", [fixture.tenant])
                #expect(try history.rows.map { try $0.decode("job_id", as: String.self) } == ["default.b"])
            }
        }
    }

    @Test("the retention sweep deletes partial files and files no record names once older than an attempt may run, and no other file")
    func abandonedFiles() async throws {
        try await ExportFixture.with { fixture in
            let settings = fixture.settings()
            let id = ExportStore.makeID()
            let abandoned = Date(timeIntervalSinceNow: -TimeInterval((MetricExport.abandonedFileAge + .seconds(600)).components.seconds))
            let (named, orphan, unrecorded) = ("\(id).1.csv", "\(ExportStore.makeID()).2.csv", "\(ExportStore.makeID()).3.csv")
            let (deadPartial, livePartial) = (".\(id).4.csv.5.partial", ".\(id).6.csv.7.partial")
            try FileManager.default.createDirectory(atPath: fixture.folder, withIntermediateDirectories: true)
            for (name, written) in [(named, abandoned), (orphan, abandoned), (unrecorded, Date()), (deadPartial, abandoned), (livePartial, Date())] {
                try Data("x\n".utf8).write(to: URL(fileURLWithPath: settings.path(of: name)))
                try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: settings.path(of: name))
            }
            try await fixture.pool.withConnection { connection in
                try await connection.execute(
                    """
                    INSERT INTO conveyor_exports (id, tenant, export, format, state, file_name, request_id, expires_at)
                    VALUES ($1, $2, 'products', 'csv', 'succeeded', $3, 'test', now() + interval '1 day')
                    """,
                    [id, fixture.tenant, named]
                )
            }
            let outcome = try await fixture.pool.withConnection { connection in try await RetentionSweep(settings: settings).run(on: connection) }
            #expect(outcome.partialFiles == 1 && outcome.orphanFiles == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder).sorted() == [livePartial, named, unrecorded].sorted())
        }
    }
}
