import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Logging

/// Access to the test PostgreSQL named by `CONVEYOR_DATABASE_URL`, with a private schema (or
/// database) per test so that tests can run in parallel.
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

    /// Runs `body` with a pool whose connections work in a schema (or database) of their own,
    /// dropped afterwards (see ``IsolatedDatabase``).
    static func withPool<T>(
        poolSize: Int = 2,
        configure: (inout PostgresConfiguration) -> Void = { _ in },
        _ body: (PostgresPool, IsolatedDatabase) async throws -> T
    ) async throws -> T {
        let database = try await IsolatedDatabase.make(self.uniqueName("test"))
        var configuration = try PostgresConfiguration(url: database.url)
        configuration.poolSize = poolSize
        configure(&configuration)
        let pool = PostgresPool(configuration: configuration, logger: self.logger)
        do {
            let value = try await body(pool, database)
            await pool.shutdown()
            try await database.drop()
            return value
        } catch {
            await pool.shutdown()
            try? await database.drop()
            throw error
        }
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
