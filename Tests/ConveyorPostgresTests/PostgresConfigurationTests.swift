@testable import ConveyorPostgres
import Foundation
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
        #expect(configuration.replyTimeout == .seconds(600))
        #expect(configuration.commitTimeout == .seconds(30))
    }

    /// The parameters added after the connection string, which override it, by keyword.
    private static func addedParameters(_ configuration: PostgresConfiguration) -> [String: String] {
        Dictionary(
            configuration.libpqParameters().filter { $0.keyword != "dbname" }.map { ($0.keyword, $0.value) },
            uniquingKeysWith: { _, last in last }
        )
    }

    @Test(arguments: ["postgres://conveyor@db.example/app", "host=db.example user=conveyor dbname=app"])
    func noticesADeadNetworkByDefault(url: String) throws {
        let parameters = Self.addedParameters(try PostgresConfiguration(url: url))
        #expect(parameters["keepalives"] == "1")
        #expect(parameters["keepalives_idle"] == "10")
        #expect(parameters["keepalives_interval"] == "5")
        #expect(parameters["keepalives_count"] == "3")
        #expect(parameters["tcp_user_timeout"] == "30000")
    }

    @Test(arguments: [
        "postgres://conveyor@db.example/app?keepalives_idle=60&tcp_user_timeout=0",
        "host=db.example dbname=app keepalives_idle=60 tcp_user_timeout=0",
    ])
    func connectionStringKeepsItsOwnNetworkSettings(url: String) throws {
        let parameters = Self.addedParameters(try PostgresConfiguration(url: url))
        // Left out, so that libpq takes the connection string's values.
        #expect(parameters["keepalives_idle"] == nil)
        #expect(parameters["tcp_user_timeout"] == nil)
        #expect(parameters["keepalives_interval"] == "5")
        #expect(parameters["keepalives_count"] == "3")
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

/// TLS settings that libpq would find wrong only when it connects are refused when the
/// configuration is made, naming the setting.
@Suite struct PostgresTLSSettingsTests {
    @Test func everySSLModeIsTakenWithAReadableRootCertificate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-tls-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = folder.appendingPathComponent("ca.pem").path
        try "not checked before connecting".write(toFile: ca, atomically: true, encoding: .utf8)
        for mode in PostgresTLSSettings.modes {
            let configuration = try PostgresConfiguration(url: "postgres://conveyor@db.example/app?sslmode=\(mode)&sslrootcert=\(ca)")
            #expect(configuration.connectionString.contains("sslmode=\(mode)"))
        }
        #expect(throws: Never.self) { try PostgresConfiguration(url: "host=db.example sslmode=require sslcert=\(ca) sslkey=\(ca)") }
    }

    @Test func anUnknownSSLModeIsNamedWithTheKnownOnes() throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(url: "postgres://conveyor@db.example/app?sslmode=verify") }
        #expect(error.kind == .invalidConfiguration)
        #expect(
            error.message
                == "CONVEYOR_DATABASE_URL's sslmode is 'verify': use one of disable, allow, prefer, require, verify-ca, verify-full"
        )
    }

    @Test(arguments: ["sslrootcert", "sslcert", "sslkey", "sslcrl"])
    func aTLSFileThatCannotBeReadIsNamed(keyword: String) throws {
        let path = "/nonexistent/conveyor/\(keyword).pem"
        let error = try #require(throws: PostgresError.self) {
            try PostgresConfiguration(url: "postgres://conveyor@db.example/app?sslmode=require&\(keyword)=\(path)")
        }
        #expect(error.message == "CONVEYOR_DATABASE_URL's \(keyword) names \(path), which this process cannot read (No such file or directory)")
    }

    @Test(arguments: ["verify-ca", "verify-full"])
    func verifyingWithoutARootCertificateIsRefusedUnlessLibpqHasOne(mode: String) throws {
        let url = "postgres://conveyor@db.example/app?sslmode=\(mode)"
        let fallback = try #require(PostgresTLSSettings.defaultRootCertificate)
        if FileManager.default.isReadableFile(atPath: fallback) {
            #expect(throws: Never.self) { try PostgresConfiguration(url: url) }
        } else {
            let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(url: url) }
            #expect(error.message.hasPrefix("CONVEYOR_DATABASE_URL's sslmode is \(mode), which verifies the server's certificate"))
            #expect(error.message.contains("add sslrootcert=/path/to/ca.pem"))
        }
    }
}
