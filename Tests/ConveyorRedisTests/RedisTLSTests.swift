import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Logging
import Testing

/// `rediss://` against Debian's redis-server on a `tls-port`, with the tests' own CA and the
/// certificates it signed for 127.0.0.1 and localhost (ops/lib/services.sh, `make_test_certificates`).
@Suite("Redis over TLS")
struct RedisTLSTests {
    /// A private Redis with a plain port (which `PrivateRedis` waits on) and a TLS port that
    /// asks for a client certificate when `mutual`.
    private static func server(mutual: Bool = false) async throws -> (redis: PrivateRedis, tlsPort: Int) {
        let tlsPort = Int.random(in: 30_000...39_999)
        let redis = try await PrivateRedis(arguments: [
            "--tls-port", "\(tlsPort)", "--tls-cert-file", try TestEnvironment.tlsFile("server.crt"),
            "--tls-key-file", try TestEnvironment.tlsFile("server.key"), "--tls-ca-cert-file", try TestEnvironment.tlsFile("ca.crt"),
            "--tls-auth-clients", mutual ? "yes" : "no",
        ])
        return (redis, tlsPort)
    }

    private static func client(_ url: String) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: url)
        configuration.poolSize = 2
        return RedisClient(configuration: configuration, logger: Logger(label: "redis-tls-test"))
    }

    @Test("commands, a pipeline of a thousand, a value of 4 MiB, a blocking pop and an ACL user all work over TLS")
    func commandsOverTLS() async throws {
        let (redis, tlsPort) = try await Self.server()
        let ca = try TestEnvironment.tlsFile("ca.crt")
        for host in ["127.0.0.1", "localhost"] {
            let client = try Self.client("rediss://\(host):\(tlsPort)/0?ca=\(ca)")
            #expect(try await client.send(RedisCommand("PING")) == .simpleString("PONG"))
            let value = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            _ = try await client.send(RedisCommand("SET", "big", .bytes(value)))
            #expect(try await client.send(RedisCommand("GET", "big")).bytes == value)
            let replies = try await client.pipeline((0..<1000).map { _ in RedisCommand("INCR", .string("counter-\(host)")) })
            #expect(replies.last == .integer(1000))

            let connection = client.makeBlockingConnection()
            let pusher = Task {
                try await Task.sleep(for: .milliseconds(100))
                return try await client.send(RedisCommand("LPUSH", .string("ready-\(host)"), "job-1"))
            }
            let popped = try await connection.send(RedisCommand("BLMOVE", .string("ready-\(host)"), "running", "RIGHT", "LEFT", 5), blockingFor: .seconds(5))
            #expect(popped.string == "job-1")
            _ = try await pusher.value
            await connection.close()
            await client.shutdown()
        }

        let admin = try Self.client("rediss://127.0.0.1:\(tlsPort)/0?ca=\(ca)")
        _ = try await admin.send(RedisCommand("ACL", "SETUSER", "worker", "on", ">s3cret", "~*", "+@all"))
        await admin.shutdown()
        let user = try Self.client("rediss://worker:s3cret@127.0.0.1:\(tlsPort)/0?ca=\(ca)")
        #expect(try await user.send(RedisCommand("ACL", "WHOAMI")).string == "worker")
        await user.shutdown()
        let wrong = try Self.client("rediss://worker:nope@127.0.0.1:\(tlsPort)/0?ca=\(ca)")
        await #expect(throws: RedisError.self) { try await wrong.send(RedisCommand("PING")) }
        await wrong.shutdown()
        try await redis.stop()
    }

    @Test("a server that asks for a client certificate takes the one the CA signed, and refuses a client without one")
    func mutualTLS() async throws {
        let (redis, tlsPort) = try await Self.server(mutual: true)
        let ca = try TestEnvironment.tlsFile("ca.crt")
        let certified = try Self.client(
            "rediss://127.0.0.1:\(tlsPort)/0?ca=\(ca)&cert=\(try TestEnvironment.tlsFile("client.crt"))&key=\(try TestEnvironment.tlsFile("client.key"))"
        )
        #expect(try await certified.send(RedisCommand("PING")) == .simpleString("PONG"))
        await certified.shutdown()
        let anonymous = try Self.client("rediss://127.0.0.1:\(tlsPort)/0?ca=\(ca)")
        let error = await #expect(throws: RedisError.self) { try await anonymous.send(RedisCommand("PING")) }
        #expect(error?.kind == .connectionFailed || error?.kind == .connectionLost, "\(String(describing: error))")
        await anonymous.shutdown()
        try await redis.stop()
    }

    @Test("a certificate that does not verify is refused at connect, saying why and naming CONVEYOR_REDIS_URL; a worker stops at start")
    func refusedCertificates() async throws {
        let (redis, tlsPort) = try await Self.server()
        let cases = [
            ("rediss://127.0.0.1:\(tlsPort)/0?ca=\(try TestEnvironment.tlsFile("client.crt"))", "does not verify"),
            ("rediss://127.0.0.1:\(tlsPort)/0?ca=\(try TestEnvironment.tlsFile("ca.crt"))&servername=wrong.example", "does not verify"),
            ("rediss://127.0.0.1:\(redis.port)/0?ca=\(try TestEnvironment.tlsFile("ca.crt"))", "TLS"),
        ]
        for (url, reason) in cases {
            let client = try Self.client(url)
            let error = await #expect(throws: RedisError.self) { try await client.send(RedisCommand("PING")) }
            #expect(error?.kind == .connectionFailed, "\(url): \(String(describing: error))")
            #expect(error?.message.contains(reason) == true && error?.message.contains("CONVEYOR_REDIS_URL") == true, "\(String(describing: error))")
            await client.shutdown()
        }
        let worker = try ConveyorProcess(["worker"], environment: ["CONVEYOR_REDIS_URL": cases[0].0])
        let status = try await worker.waitForExit(timeout: .seconds(20))
        #expect(status != 0)
        #expect(worker.output.contains("does not verify") && worker.output.contains("CONVEYOR_REDIS_URL"), "\(worker.output.suffix(2000))")
        try await redis.stop()
    }
}
