import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Logging

/// Access to the test PostgreSQL named by `CONVEYOR_DATABASE_URL`, with a private schema per test
/// so that tests can run in parallel.
enum TestDatabase {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String {
            "CONVEYOR_DATABASE_URL is not set: these tests need PostgreSQL. Run `ops/services start test` "
                + "and export the CONVEYOR_DATABASE_URL it prints (postgres://conveyor@127.0.0.1:15432/conveyor)."
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "conveyor.postgres.tests")
        logger.logLevel = .warning
        return logger
    }()

    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CONVEYOR_DATABASE_URL"], !url.isEmpty else {
            throw Unavailable()
        }
        return url
    }

    /// A name no other test uses, valid as an SQL identifier.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    }

    /// The test database's URL with `schema` first in `search_path`.
    static func url(schema: String) throws -> String {
        let url = try self.url()
        if url.contains("://") {
            return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }
        return url + " options='-csearch_path=\(schema)'"
    }

    /// Runs `body` with a pool whose connections work in a new schema, dropped afterwards.
    static func withPool<T>(
        poolSize: Int = 2,
        configure: (inout PostgresConfiguration) -> Void = { _ in },
        _ body: (PostgresPool, _ schema: String) async throws -> T
    ) async throws -> T {
        let schema = self.uniqueName("test")
        var configuration = try PostgresConfiguration(url: self.url(schema: schema))
        configuration.poolSize = poolSize
        configure(&configuration)
        let pool = PostgresPool(configuration: configuration, logger: self.logger)
        do {
            try await pool.withConnection { try await $0.execute("CREATE SCHEMA \(schema)") }
            let value = try await body(pool, schema)
            try await self.dropSchema(schema, pool: pool)
            await pool.shutdown()
            return value
        } catch {
            try? await self.dropSchema(schema, pool: pool)
            await pool.shutdown()
            throw error
        }
    }

    private static func dropSchema(_ schema: String, pool: PostgresPool) async throws {
        try await pool.withConnection { try await $0.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
    }

    /// Runs `body` with a pool that reaches the test database through a ``TCPRelay``, which `body`
    /// may black-hole or cut. Its connections share the database's default schema, so `body` makes
    /// no tables. A minute on, the relay is restored, so that a statement the client fails to give
    /// up on ends in a failed expectation instead of hanging the tests.
    static func withRelayedPool<T>(
        poolSize: Int = 1,
        configure: (inout PostgresConfiguration) -> Void = { _ in },
        _ body: (PostgresPool, TCPRelay) async throws -> T
    ) async throws -> T {
        var url = URLComponents(string: try self.url())
        guard let port = url?.port.flatMap(UInt16.init(exactly:)) else {
            throw RelayNeedsPort()
        }
        let relay = try TCPRelay(toPort: port)
        // Its threads would otherwise stay blocked for the rest of the test process.
        defer { relay.cut() }
        url?.port = Int(relay.port)
        var configuration = try PostgresConfiguration(url: url?.string ?? "")
        configuration.poolSize = poolSize
        configure(&configuration)
        let pool = PostgresPool(configuration: configuration, logger: self.logger)
        let watchdog = Task {
            guard (try? await Task.sleep(for: .seconds(60))) != nil else { return }
            try? relay.restore()
        }
        defer { watchdog.cancel() }
        do {
            let value = try await body(pool, relay)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    struct RelayNeedsPort: Error, CustomStringConvertible {
        var description: String { "CONVEYOR_DATABASE_URL must be a postgres:// URL with a port for the relay to forward to" }
    }

    /// Runs `body` with a leased connection of a pool like ``withPool(poolSize:configure:_:)``'s.
    static func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await self.withPool { pool, _ in
            let lease = try await pool.acquire()
            defer { pool.release(lease) }
            return try await body(lease.connection)
        }
    }
}
