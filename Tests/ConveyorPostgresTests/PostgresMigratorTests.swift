import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Testing

@Suite struct PostgresMigratorTests {
    /// A folder of migration files, deleted by `remove()`.
    struct MigrationFolder {
        let path: String

        init(_ files: [String: String]) throws {
            self.path =
                FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("migrations"))
                .path
            try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
            for (name, sql) in files { try self.write(name, sql) }
        }

        func write(_ name: String, _ sql: String) throws {
            try sql.write(
                toFile: (self.path as NSString).appendingPathComponent(name),
                atomically: true,
                encoding: .utf8
            )
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: self.path)
        }
    }

    static let ordered = [
        "001_log.sql":
            "CREATE TABLE log (id serial PRIMARY KEY, entry text NOT NULL);\nINSERT INTO log (entry) VALUES ('001');",
        "002_second.sql": "INSERT INTO log (entry) VALUES ('002');",
        "010_tenth.sql": "INSERT INTO log (entry) VALUES ('010');",
        "README.md": "not a migration",
    ]

    static func entries(_ pool: PostgresPool) async throws -> [String] {
        try await pool.withConnection { connection in
            try await connection.query("SELECT entry FROM log ORDER BY id").rows.map {
                try $0.decode("entry", as: String.self)
            }
        }
    }

    @Test func appliesInFileNameOrderOnce() async throws {
        let folder = try MigrationFolder(Self.ordered)
        defer { folder.remove() }
        try await TestDatabase.withPool { pool, _ in
            let migrator = PostgresMigrator(pool: pool, directories: [folder.path], logger: TestDatabase.logger)
            #expect(try await migrator.pending() == ["001_log.sql", "002_second.sql", "010_tenth.sql"])
            #expect(try await migrator.migrate() == ["001_log.sql", "002_second.sql", "010_tenth.sql"])
            #expect(try await Self.entries(pool) == ["001", "002", "010"])

            #expect(try await migrator.migrate() == [])
            #expect(try await migrator.pending() == [])
            #expect(try await Self.entries(pool) == ["001", "002", "010"])

            try folder.write("011_more.sql", "INSERT INTO log (entry) VALUES ('011');")
            #expect(try await migrator.pending() == ["011_more.sql"])
            #expect(try await migrator.migrate() == ["011_more.sql"])
            let recorded = try await pool.withConnection { connection in
                try await connection.query(
                    "SELECT name, checksum, applied_at FROM conveyor_schema_migrations ORDER BY name"
                ).rows
            }
            #expect(
                try recorded.map { try $0.decode("name", as: String.self) } == [
                    "001_log.sql", "002_second.sql", "010_tenth.sql", "011_more.sql",
                ]
            )
            #expect(try recorded.allSatisfy { try $0.decode("checksum", as: String.self).count == 16 })
        }
    }

    @Test func mergesDirectoriesByFileName() async throws {
        let first = try MigrationFolder([
            "001_log.sql": Self.ordered["001_log.sql"]!, "003_c.sql": "INSERT INTO log (entry) VALUES ('003');",
        ])
        let second = try MigrationFolder(["002_b.sql": "INSERT INTO log (entry) VALUES ('002');"])
        defer {
            first.remove()
            second.remove()
        }
        try await TestDatabase.withPool { (pool: PostgresPool, _: IsolatedDatabase) async throws in
            let migrator = PostgresMigrator(
                pool: pool,
                directories: [first.path, second.path],
                logger: TestDatabase.logger
            )
            #expect(try await migrator.migrate() == ["001_log.sql", "002_b.sql", "003_c.sql"])
            #expect(try await Self.entries(pool) == ["001", "002", "003"])
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        let folder = try MigrationFolder([
            "001_log.sql": Self.ordered["001_log.sql"]!,
            "002_slow.sql": "SELECT pg_sleep(0.3);\nINSERT INTO log (entry) VALUES ('002');",
            "003_after.sql": "INSERT INTO log (entry) VALUES ('003');",
        ])
        defer { folder.remove() }
        try await TestDatabase.withPool { pool, database in
            // Two pools stand for two processes migrating at once.
            var configuration = try PostgresConfiguration(url: database.url)
            configuration.poolSize = 1
            let otherPool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
            let migrators = [pool, otherPool].map {
                PostgresMigrator(pool: $0, directories: [folder.path], logger: TestDatabase.logger)
            }
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for migrator in migrators { group.addTask { try await migrator.migrate() } }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            await otherPool.shutdown()
            // Each migration's transaction takes the lock, so the two may share the work; each
            // migration runs once, and in name order.
            #expect(applied.flatMap { $0 }.sorted() == ["001_log.sql", "002_slow.sql", "003_after.sql"])
            #expect(try await Self.entries(pool) == ["001", "002", "003"])
        }
    }

    @Test func rejectsAppliedFileThatChanged() async throws {
        let folder = try MigrationFolder(Self.ordered)
        defer { folder.remove() }
        try await TestDatabase.withPool { pool, _ in
            let migrator = PostgresMigrator(pool: pool, directories: [folder.path], logger: TestDatabase.logger)
            _ = try await migrator.migrate()
            try folder.write("002_second.sql", "INSERT INTO log (entry) VALUES ('two');")
            try folder.write("020_new.sql", "INSERT INTO log (entry) VALUES ('020');")
            let error = try await #require(throws: PostgresMigrationError.self) { try await migrator.migrate() }
            #expect(error.kind == .changedSinceApplied)
            #expect(error.description.contains("002_second.sql"))
            #expect(error.description.contains("changed after it was applied"))
            await #expect(throws: PostgresMigrationError.self) { try await migrator.pending() }
            // Nothing after the check ran.
            #expect(try await Self.entries(pool) == ["001", "002", "010"])
        }
    }

    @Test func namesTheFailingFileAndRollsItBack() async throws {
        let folder = try MigrationFolder([
            "001_log.sql": Self.ordered["001_log.sql"]!,
            "002_broken.sql": "CREATE TABLE half (x int);\n\nINSERT INTO nowhere VALUES (1);\n",
            "003_later.sql": "INSERT INTO log (entry) VALUES ('003');",
        ])
        defer { folder.remove() }
        try await TestDatabase.withPool { pool, _ in
            let migrator = PostgresMigrator(pool: pool, directories: [folder.path], logger: TestDatabase.logger)
            let error = try await #require(throws: PostgresMigrationError.self) { try await migrator.migrate() }
            #expect(error.kind == .failed)
            #expect(error.file.hasSuffix("/002_broken.sql"))
            #expect(error.description.contains("002_broken.sql"))
            #expect(error.description.contains("line 3"))
            #expect(error.description.contains("relation \"nowhere\" does not exist"))
            #expect(error.underlying?.sqlState == "42P01")
            #expect(try await migrator.pending() == ["002_broken.sql", "003_later.sql"])
            let half = try await pool.withConnection { connection in
                try await connection.query("SELECT to_regclass('half') IS NULL AS gone").rows[0].decode(
                    "gone",
                    as: Bool.self
                )
            }
            #expect(half)
        }
    }

    @Test func missingDirectoryIsNamed() async throws {
        try await TestDatabase.withPool { pool, _ in
            let migrator = PostgresMigrator(
                pool: pool,
                directories: ["/nonexistent/migrations"],
                logger: TestDatabase.logger
            )
            let error = try await #require(throws: PostgresMigrationError.self) { try await migrator.migrate() }
            #expect(error.kind == .unreadable)
            #expect(error.description.contains("/nonexistent/migrations"))
        }
    }
}
