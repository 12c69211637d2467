import ConveyorRedis
import Foundation
import Logging

/// Redis Sentinels of the test's own, on loopback, watching a master of the test's own under a
/// name of their own, and quick to act: a master is down after 1 s without an answer. Their ports
/// are below Linux's ephemeral range (32768–60999), where an outgoing connection could hold one,
/// and one another test's sentinel holds is passed over.
public final class PrivateSentinels: @unchecked Sendable {
    public let masterName: String
    public let ports: [Int]
    private let directory: String
    private var sentinels: [ChildProcess] = []

    /// Starts `count` sentinels, `quorum` of which must agree that the master is down, and waits
    /// until each names the master and knows of `replicas` replicas.
    public init(masterPort: Int, count: Int = 3, quorum: Int = 2, replicas: Int = 1) async throws {
        masterName = "m\(UUID().uuidString.prefix(8).lowercased())"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-sentinel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (directory, masterName) = (directory, masterName)
        var ports: [Int] = []
        var servers: [ChildProcess] = []
        for _ in 0..<count {
            let started = try await RedisServerLaunch.onFreePort(
                in: 29_000...29_999, avoiding: Set(ports), logPath: { "\(directory)/sentinel-\($0).log" }
            ) { port in
                let configuration = "\(directory)/sentinel-\(port).conf"
                // Sentinel rewrites its configuration file as it learns, so each has a file of its own.
                try """
                    bind 127.0.0.1
                    port \(port)
                    dir \(directory)
                    sentinel monitor \(masterName) 127.0.0.1 \(masterPort) \(quorum)
                    sentinel down-after-milliseconds \(masterName) 1000
                    sentinel failover-timeout \(masterName) 5000
                    sentinel parallel-syncs \(masterName) 1

                    """.write(toFile: configuration, atomically: true, encoding: .utf8)
                return try ChildProcess(
                    "/usr/bin/redis-server", [configuration, "--sentinel"], environment: [:], outputPath: "\(directory)/sentinel-\(port).log"
                )
            }
            servers.append(started.server)
            ports.append(started.port)
        }
        self.ports = ports
        sentinels = servers
        for port in ports {
            let client = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(port)"), logger: .init(label: "private-sentinel"))
            let ready = try await eventually(timeout: .seconds(30)) {
                guard let known = try? await client.send(RedisCommand("SENTINEL", "replicas", .string(self.masterName))).array else {
                    return false
                }
                return known.count >= replicas
            }
            await client.shutdown()
            guard ready else { throw StartFailure(port: port) }
        }
    }

    deinit {
        sentinels.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `host:port,host:port,…` of the sentinels, for a `redis+sentinel://` URL.
    public var addresses: String {
        ports.map { "127.0.0.1:\($0)" }.joined(separator: ",")
    }

    /// The URL of the master through these sentinels.
    public var url: String {
        "redis+sentinel://\(addresses)/\(masterName)"
    }

    /// Asks the first sentinel to fail the master over now, without waiting for it to be down.
    public func failOver() async throws {
        let client = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(ports[0])"), logger: .init(label: "private-sentinel"))
        defer { Task { await client.shutdown() } }
        try await client.send(RedisCommand("SENTINEL", "failover", .string(masterName)))
    }

    /// The port of the master the first sentinel names.
    public func masterPort() async throws -> Int? {
        let client = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(ports[0])"), logger: .init(label: "private-sentinel"))
        let reply = try? await client.send(RedisCommand("SENTINEL", "get-master-addr-by-name", .string(masterName)))
        await client.shutdown()
        return reply?.array?.last?.string.flatMap { Int($0) }
    }

    struct StartFailure: Error, CustomStringConvertible {
        let port: Int
        var description: String { "the sentinel on port \(port) did not come to know its master and replicas" }
    }
}
