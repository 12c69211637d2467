import ConveyorPostgres
import Foundation
import Logging

/// Where one test's tables live, apart from every other test's.
///
/// A schema of its own in the test database, put first in `search_path` by the connection
/// string's startup `options`; or, where the test database is reached through a transaction
/// pooler, which refuses startup options (``TestEnvironment/reachesPostgresThroughPooler``), a
/// database of its own, made and dropped through the direct connection string
/// `CONVEYOR_TEST_ADMIN_DATABASE_URL`, the pooler passing its name through.
public struct IsolatedDatabase: Sendable {
    /// The connection string that reaches the test's tables.
    public let url: String
    /// The schema that holds them: the test's own, or `public` of the test's own database.
    public let schema: String
    private let name: String
    private let administration: String
    private let isOwnDatabase: Bool

    private static let logger = Logger(label: "conveyor.tests.database")

    /// Makes the schema or database `name`, which must be a lower-case SQL identifier.
    public static func make(_ name: String) async throws -> IsolatedDatabase {
        let base = try TestEnvironment.databaseURL()
        let database: IsolatedDatabase
        if TestEnvironment.reachesPostgresThroughPooler {
            guard let administration = ProcessInfo.processInfo.environment["CONVEYOR_TEST_ADMIN_DATABASE_URL"],
                var components = URLComponents(string: base)
            else {
                throw TestEnvironment.MissingServer(variable: "CONVEYOR_TEST_ADMIN_DATABASE_URL (and a postgres:// CONVEYOR_DATABASE_URL)")
            }
            components.path = "/\(name)"
            database = IsolatedDatabase(url: components.string ?? base, schema: "public", name: name, administration: administration, isOwnDatabase: true)
            try await run("CREATE DATABASE \(name)", on: administration)
        } else {
            let url = base.contains("://")
                ? base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(name)"
                : base + " options='-csearch_path=\(name)'"
            database = IsolatedDatabase(url: url, schema: name, name: name, administration: base, isOwnDatabase: false)
            try await run("CREATE SCHEMA \(name)", on: base)
        }
        return database
    }

    /// Drops the schema or database with everything in it.
    public func drop() async throws {
        try await Self.run(isOwnDatabase ? "DROP DATABASE IF EXISTS \(name) WITH (FORCE)" : "DROP SCHEMA IF EXISTS \(name) CASCADE", on: administration)
    }

    private static func run(_ statement: String, on url: String) async throws {
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 1
        let pool = PostgresPool(configuration: configuration, logger: logger)
        do {
            try await pool.withConnection { try await $0.execute(statement) }
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
