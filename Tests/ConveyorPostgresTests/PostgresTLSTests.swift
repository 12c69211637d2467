import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Testing

/// TLS to the test PostgreSQL, whose certificate the tests' own CA signed for 127.0.0.1 and
/// localhost (ops/lib/services.sh, `make_test_certificates`).
@Suite(.disabled(if: TestEnvironment.reachesPostgresThroughPooler, "the pooler takes no TLS from its clients"))
struct PostgresTLSTests {
    @Test("verify-full with the CA that signed the server's certificate connects over TLS")
    func verifiedConnection() async throws {
        let ca = try TestEnvironment.tlsFile("ca.crt")
        for host in ["127.0.0.1", "localhost"] {
            let url = try Self.url(host: host, query: "sslmode=verify-full&sslrootcert=\(ca)")
            #expect(try await Self.usesTLS(url), "over TLS to \(host)")
        }
        #expect(try await Self.usesTLS(try Self.url(query: "sslmode=require")))
        #expect(try await !Self.usesTLS(try Self.url(query: "sslmode=disable")))
    }

    @Test("a server certificate that the root certificate did not sign, or that names another host, is refused at connect, naming the setting")
    func refusedCertificates() async throws {
        let cases = [
            // A certificate the CA signed, but not the CA: it signed nothing the server shows.
            (try Self.url(query: "sslmode=verify-ca&sslrootcert=\(try TestEnvironment.tlsFile("client.crt"))"), "certificate verify failed"),
            (
                try Self.url(host: "wrong.example", query: "hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=\(try TestEnvironment.tlsFile("ca.crt"))"),
                "does not match host name"
            ),
        ]
        for (url, reason) in cases {
            let error = await #expect(throws: PostgresError.self) { try await Self.usesTLS(url) }
            #expect(error?.kind == .connectionFailed)
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
            #expect(error?.message.contains("CONVEYOR_DATABASE_URL") == true)
        }
    }

    /// The test database's URL at `host`, with `query`.
    private static func url(host: String = "127.0.0.1", query: String) throws -> String {
        var components = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        components.host = host
        components.query = query
        return try #require(components.string)
    }

    private static func usesTLS(_ url: String) async throws -> Bool {
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 1
        configuration.connectTimeout = .seconds(5)
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        do {
            let ssl = try await pool.withConnection { connection in
                try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows[0].decode("ssl", as: Bool.self)
            }
            await pool.shutdown()
            return ssl
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
