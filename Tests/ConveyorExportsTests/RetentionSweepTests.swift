import ConveyorExports
import ConveyorPostgres
import Foundation
import Testing

/// Serialized: a sweep clears every expired record of the database but looks for the files
/// in its own test's store, so two tests' sweeps at once would clear each other's records and
/// leave their files.
@Suite("Retention sweep", .serialized)
struct RetentionSweepTests {
    @Test(
        "the retention sweep deletes expired files, then their records after the grace period, and old history rows",
        arguments: ExportSettings.Store.allCases
    )
    func retention(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            let settings = fixture.settings()
            let (fresh, expired, old) = (fixture.fileName("fresh.csv"), fixture.fileName("expired.csv"), fixture.fileName("old.csv"))
            for name in [fresh, expired, old] {
                try await fixture.storeFile(name)
            }
            let ids = (fresh: ExportStore.makeID(), expired: ExportStore.makeID(), old: ExportStore.makeID())
            try await fixture.pool.withConnection { connection in
                for (id, file, expiry) in [
                    (ids.fresh, fresh, "now() + interval '1 day'"), (ids.expired, expired, "now() - interval '1 hour'"),
                    (ids.old, old, "now() - interval '30 days'"),
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
            let outcome = try await fixture.pool.withConnection { connection in
                try await RetentionSweep(settings: settings, files: fixture.files).run(on: connection)
            }
            #expect(outcome.files >= 2 && outcome.records >= 1 && outcome.historyRows >= 1)
            #expect(try await fixture.storedFiles(prefix: fixture.fileName("")) == [fresh])
            try await fixture.pool.withConnection { connection in
                let expired = try #require(try await ExportStore.record(id: ids.expired, on: connection))
                #expect(expired.isExpired && expired.fileName == nil)
                #expect(try await ExportStore.record(id: ids.old, on: connection) == nil)
                #expect(try await ExportStore.record(id: ids.fresh, on: connection)?.fileName == fresh)
                let history = try await connection.query("SELECT job_id FROM conveyor_job_history WHERE tenant = $1", [fixture.tenant])
                #expect(try history.rows.map { try $0.decode("job_id", as: String.self) } == ["default.b"])
            }
        }
    }

    @Test(
        "the retention sweep deletes partial files and files no record names once older than an attempt may run, and no other file",
        arguments: ExportSettings.Store.allCases
    )
    func abandonedFiles(store: ExportSettings.Store) async throws {
        try await ExportFixture.with(store: store) { fixture in
            let settings = fixture.settings()
            let id = ExportStore.makeID()
            let abandoned = MetricExport.abandonedFileAge + .seconds(600)
            let (orphanID, unrecordedID) = (ExportStore.makeID(), ExportStore.makeID())
            let named = try await fixture.storeFile("\(id).1.csv", age: abandoned)
            try await fixture.storeFile("\(orphanID).2.csv", age: abandoned)
            let unrecorded = try await fixture.storeFile("\(unrecordedID).3.csv")
            try await fixture.storeFile("\(id).4.csv", age: abandoned, whole: false)
            let livePartial = try await fixture.storeFile("\(id).6.csv", whole: false)
            try await fixture.pool.withConnection { connection in
                try await connection.execute(
                    """
                    INSERT INTO conveyor_exports (id, tenant, export, format, state, file_name, request_id, expires_at)
                    VALUES ($1, $2, 'products', 'csv', 'succeeded', $3, 'test', now() + interval '1 day')
                    """,
                    [id, fixture.tenant, named]
                )
            }
            let outcome = try await fixture.pool.withConnection { connection in
                try await RetentionSweep(settings: settings, files: fixture.files).run(on: connection)
            }
            #expect(outcome.partialFiles == 1 && outcome.orphanFiles == 1)
            var left: [String] = []
            for prefix in [id, orphanID, unrecordedID] {
                left += try await fixture.storedFiles(prefix: prefix)
            }
            #expect(left.sorted() == [livePartial, named, unrecorded].sorted())
        }
    }
}
