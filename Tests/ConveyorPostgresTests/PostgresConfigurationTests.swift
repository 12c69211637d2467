import ConveyorPostgres
import Testing

@Suite struct PostgresConfigurationTests {
    @Test(arguments: [
        "postgresql://[::1",
        "host=localhost bogus",
        "host=localhost nosuchoption=1",
    ])
    func rejectsMalformedURLQuotingLibpq(url: String) throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(url: url) }
        #expect(error.kind == .invalidConfiguration)
        #expect(error.description.contains("CONVEYOR_DATABASE_URL"))
        #expect(error.description.contains("is not a valid PostgreSQL connection string: "))
        #expect(!error.isRetryable)
    }

    @Test func rejectsEmptyURL() throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(url: "  ") }
        #expect(error.description.contains("CONVEYOR_DATABASE_URL is empty"))
    }

    @Test func describesServerWithoutPassword() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://alice:s3cret@db.example:6543/app?application_name=importer&connect_timeout=9"
        )
        #expect(configuration.description == "postgres://alice@db.example:6543/app")
        #expect(configuration.applicationName == "importer")
        #expect(configuration.connectTimeout == .seconds(9))
        #expect(configuration.poolSize == 10)
        #expect(configuration.acquireTimeout == .seconds(5))
        #expect(configuration.maxConnectionLifetime == .seconds(1800))
    }

    @Test func connectionFailureNamesServerNotPassword() async throws {
        var configuration = try PostgresConfiguration(url: "postgres://conveyor:hunter2@127.0.0.1:1/conveyor")
        configuration.connectTimeout = .seconds(2)
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        let error = try await #require(throws: PostgresError.self) { _ = try await pool.acquire() }
        #expect(error.kind == .connectionFailed)
        #expect(error.isRetryable)
        #expect(error.description.contains("127.0.0.1:1"))
        #expect(error.description.contains("CONVEYOR_DATABASE_URL"))
        #expect(!error.description.contains("hunter2"))
        // The failed attempt gave its slot back: the next one fails the same way instead of waiting.
        let again = try await #require(throws: PostgresError.self) { _ = try await pool.acquire() }
        #expect(again.kind == .connectionFailed)
        await pool.shutdown()
    }
}
