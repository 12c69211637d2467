import ConveyorCore
public import Logging

/// Applies migrations (embedded ones and *.sql files from folders) in name order, each once, each in its own transaction, recorded in
/// table `conveyor_schema_migrations(name text primary key, checksum text not null, applied_at timestamptz not null default now())`.
///
/// The table lives in the connection's current schema (the first of `search_path`). Concurrent
/// migrators of the same schema serialize on `pg_advisory_xact_lock`, taken by each migration's
/// transaction before it reads what is applied: a lock that ends with its transaction works
/// through a transaction pooler such as PgBouncer, where a session's lock would stay on a server
/// connection that other clients share. An applied migration whose file
/// changed since is an error naming the file; a failing migration is rolled back and reported with
/// its file, PostgreSQL's message and the line. Files must not contain `BEGIN`/`COMMIT`, nor
/// statements that cannot run inside a transaction (`CREATE INDEX CONCURRENTLY`).
public struct PostgresMigrator: Sendable {
    private static let table = "conveyor_schema_migrations"

    private let pool: PostgresPool
    private let embedded: [PostgresMigration]
    private let directories: [String]
    private let logger: Logger

    /// A migrator for `migrations` and the `*.sql` files directly inside `directories`, whose
    /// names must be unique across them all.
    public init(pool: PostgresPool, migrations: [PostgresMigration] = [], directories: [String] = [], logger: Logger) {
        self.pool = pool
        self.embedded = migrations
        self.directories = directories
        self.logger = logger
    }

    /// Applies the pending migrations and returns their names, in the order applied.
    ///
    /// - Throws: ``PostgresMigrationError`` naming the file for an unreadable, changed or failing
    ///   migration (those before it stay applied), or ``PostgresError`` when PostgreSQL is unreachable.
    public func migrate() async throws -> [String] {
        let migrations = try PostgresMigration.load(self.embedded, from: self.directories)
        var applied: [String] = []
        while let name = try await self.pool.withConnection({ connection in try await self.applyNext(of: migrations, on: connection) }) {
            applied.append(name)
        }
        return applied
    }

    /// Applies the first pending migration in a transaction that holds the migration lock, and
    /// answers its name; nil when none is pending.
    private func applyNext(of migrations: [PostgresMigration], on connection: PostgresConnection) async throws -> String? {
        try await connection.transaction { connection in
            try await self.takeMigrationLock(on: connection)
            try await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS \(Self.table) (
                    name text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            )
            guard let migration = try await self.pending(migrations, on: connection).first else { return nil }
            do {
                try await self.apply(migration, on: connection)
            } catch let error as PostgresError where error.kind == .server {
                let line = error.position.map { " at line \(migration.line(ofPosition: $0))" } ?? ""
                throw PostgresMigrationError(kind: .failed, file: migration.path, message: "failed\(line): \(error)", underlying: error)
            }
            return migration.name
        }
    }

    /// The names of the migrations that `migrate()` would apply now.
    ///
    /// - Throws: ``PostgresMigrationError`` for an unreadable or changed migration.
    public func pending() async throws -> [String] {
        let migrations = try PostgresMigration.load(self.embedded, from: self.directories)
        return try await self.pool.withConnection { connection in
            try await self.pending(migrations, on: connection).map(\.name)
        }
    }

    private func pending(_ migrations: [PostgresMigration], on connection: PostgresConnection) async throws
        -> [PostgresMigration]
    {
        let applied = try await self.appliedChecksums(on: connection)
        for migration in migrations {
            if let checksum = applied[migration.name], checksum != migration.checksum {
                throw PostgresMigrationError(
                    kind: .changedSinceApplied,
                    file: migration.path,
                    message: "the file changed after it was applied (checksum \(checksum), now \(migration.checksum)); "
                        + "restore it and put the change in a new migration"
                )
            }
        }
        return migrations.filter { applied[$0.name] == nil }
    }

    /// Checksums of the applied migrations by name; none when the table does not exist yet.
    private func appliedChecksums(on connection: PostgresConnection) async throws -> [String: String] {
        let exists = try await connection.query("SELECT to_regclass($1) IS NOT NULL AS exists", [Self.table])
        guard try exists.rows.first?.decode("exists", as: Bool.self) == true else { return [:] }
        let rows = try await connection.query("SELECT name, checksum FROM \(Self.table)").rows
        return try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode("name"), try $0.decode("checksum")) })
    }

    /// Runs `migration` and records it, inside the caller's transaction.
    private func apply(_ migration: PostgresMigration, on connection: PostgresConnection) async throws {
        self.logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
        let start = ContinuousClock.now
        try await connection.executeScript(migration.sql)
        try await connection.execute("INSERT INTO \(Self.table) (name, checksum) VALUES ($1, $2)", [migration.name, migration.checksum])
        self.logger.info(
            "applied migration",
            metadata: ["migration": "\(migration.name)", "duration_ms": "\(start.duration(to: .now).milliseconds)"]
        )
    }

    /// Takes the transaction's advisory lock of the current schema's migrations, so that
    /// migrators started together apply each migration once.
    private func takeMigrationLock(on connection: PostgresConnection) async throws {
        let schema = try await connection.query("SELECT current_schema() AS schema").rows.first?.decode(
            "schema",
            as: String?.self
        )
        guard let schema else {
            throw PostgresError(kind: .invalidUsage, message: "no schema of search_path exists to hold \(Self.table)")
        }
        // Advisory lock keys are bigints shared by the whole database: derive one from the table's qualified name.
        let key = Int64(bitPattern: FNV1a64.hash("\(schema).\(Self.table)".utf8).value)
        try await connection.execute("SELECT pg_advisory_xact_lock($1)", [key])
    }
}

extension Duration {
    /// Whole milliseconds, for logs.
    var milliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }
}
