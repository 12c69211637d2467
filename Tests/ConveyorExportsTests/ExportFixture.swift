import ConveyorExports
import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Logging

/// What an export test works with: the test database, a tenant of its own (so that its
/// products and history rows are its alone), and an export file store: a temporary folder, or
/// the test database.
struct ExportFixture {
    let pool: PostgresPool
    let tenant: String
    let store: ExportSettings.Store
    /// The folder store's folder.
    let folder: String
    let files: any ExportFileStore

    /// Runs `body` with a new fixture; deletes the tenant's rows and files afterwards.
    static func with<T>(store: ExportSettings.Store = .folder, _ body: (ExportFixture) async throws -> T) async throws -> T {
        var logger = Logger(label: "conveyor.exports.tests")
        logger.logLevel = .warning
        let configuration = try PostgresConfiguration(url: try TestEnvironment.databaseURL())
        let pool = PostgresPool(configuration: configuration, logger: logger)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let settings = ExportSettings(store: store, folder: NSTemporaryDirectory() + "conveyor-exports-\(suffix)")
        let fixture = ExportFixture(
            pool: pool, tenant: "exports-\(suffix)", store: store, folder: settings.folder,
            files: settings.makeFileStore(database: configuration, logger: logger)
        )
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        do {
            let value = try await body(fixture)
            try await fixture.cleanUp()
            await fixture.files.shutdown()
            await pool.shutdown()
            return value
        } catch {
            try? await fixture.cleanUp()
            await fixture.files.shutdown()
            await pool.shutdown()
            throw error
        }
    }

    private func cleanUp() async throws {
        try await pool.withConnection { connection in
            try await connection.execute(
                "DELETE FROM conveyor_export_files WHERE file_name IN (SELECT file_name FROM conveyor_exports WHERE tenant = $1) OR file_name LIKE $2",
                [tenant, "\(tenant)-%"]
            )
            try await connection.execute("DELETE FROM products WHERE tenant = $1", [tenant])
            try await connection.execute("DELETE FROM conveyor_exports WHERE tenant = $1", [tenant])
            try await connection.execute("DELETE FROM conveyor_job_history WHERE tenant = $1", [tenant])
        }
    }

    /// Products with awkward text: commas, quotes, newlines, backslashes, tabs, Unicode, NULLs.
    func insertProducts() async throws {
        try await pool.withConnection { connection in
            try await connection.execute(
                """
                INSERT INTO products (tenant, sku, name, category, price_cents, quantity, updated_at)
                SELECT $1, 'sku-' || lpad(n::text, 4, '0'),
                       CASE n % 5 WHEN 0 THEN 'plain ' || n WHEN 1 THEN 'comma, "quoted" ' || n
                                  WHEN 2 THEN E'line\\nbreak\\\\slash\\t' || n WHEN 3 THEN 'Ünïcødé ✓ ' || n ELSE '' END,
                       CASE n % 4 WHEN 0 THEN 'tools' WHEN 1 THEN 'garden' WHEN 2 THEN 'O''Brien''s' ELSE NULL END,
                       n * 137, n % 50, timestamptz '2024-05-01 12:00:00+00' + n * interval '1 hour'
                FROM generate_series(1, 500) AS n
                """,
                [tenant]
            )
        }
    }

    func settings() -> ExportSettings {
        ExportSettings(store: store, folder: folder)
    }

    /// A file name of this fixture's own, which no other test's file has.
    func fileName(_ name: String) -> String {
        "\(tenant)-\(name)"
    }

    /// The bytes of the whole file `fileName`, read through the store; nil when it has none.
    func contents(of fileName: String) async throws -> [UInt8]? {
        guard let file = try await files.open(fileName) else { return nil }
        var bytes: [UInt8] = []
        try await file.read { bytes += $0 }
        return bytes
    }

    /// The names of the store's files, whole or not, that begin with `prefix`; a folder's
    /// unfinished files are named after the file they would become, behind a dot.
    func storedFiles(prefix: String) async throws -> [String] {
        switch store {
        case .folder:
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.hasPrefix(prefix) || $0.hasPrefix(".\(prefix)") }.sorted()
        case .postgres:
            return try await pool.withConnection { connection in
                try await connection.query(
                    "SELECT file_name FROM conveyor_export_files WHERE starts_with(file_name, $1) ORDER BY file_name", [prefix]
                ).rows.map { try $0.decode("file_name", as: String.self) }
            }
        }
    }

    /// Puts a file of `bytes` into the store as an attempt begun `age` ago would have left it,
    /// finished or not; answers its name in the store.
    @discardableResult
    func storeFile(_ name: String, bytes: [UInt8] = Array("x\n".utf8), age: Duration = .zero, whole: Bool = true) async throws -> String {
        switch store {
        case .folder:
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let stored = whole ? name : ".\(name).\(UInt32.random(in: 0 ... .max)).partial"
            let path = "\(folder)/\(stored)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let written = Date(timeIntervalSinceNow: -TimeInterval(age.components.seconds))
            try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: path)
            return stored
        case .postgres:
            try await pool.withConnection { connection in
                try await connection.execute(
                    """
                    INSERT INTO conveyor_export_files (file_name, created_at, finished_at)
                    VALUES ($1, now() - make_interval(secs => $2), CASE WHEN $3 THEN now() END)
                    """,
                    [name, Int(age.components.seconds), whole]
                )
                try await connection.execute(
                    "INSERT INTO conveyor_export_chunks (file_name, seq, data) VALUES ($1, 0, $2)", [name, bytes]
                )
            }
            return name
        }
    }

    /// What `psql -c "\copy (query) to stdout csv header"` prints for `query`.
    /// The SHA-256 of `bytes` as `sha256sum` prints it: the digest an export records is
    /// checked against a program of the system's, not against the library that made it.
    static func sha256sum(_ bytes: [UInt8]) async throws -> String {
        let path = NSTemporaryDirectory() + "conveyor-sha256-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return String(decoding: try await run("/usr/bin/sha256sum", [path]).prefix(64), as: UTF8.self)
    }

    static func psqlCopy(_ query: String) async throws -> [UInt8] {
        try await run("/usr/bin/psql", [try TestEnvironment.databaseURL(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "\\copy (\(query)) to stdout csv header"])
    }

    /// Runs a program to its end and answers its output (standard output and error).
    static func run(_ executable: String, _ arguments: [String]) async throws -> [UInt8] {
        let output = NSTemporaryDirectory() + "conveyor-exports-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try ChildProcess(executable, arguments, environment: ProcessInfo.processInfo.environment, outputPath: output)
        let status = try await process.waitForExit(timeout: .seconds(60))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: output)))
        guard status == 0 else { throw ProgramFailed(program: executable, output: String(decoding: bytes, as: UTF8.self)) }
        return bytes
    }

    struct ProgramFailed: Error, CustomStringConvertible {
        let program: String
        let output: String
        var description: String { "\(program) failed: \(output)" }
    }
}
