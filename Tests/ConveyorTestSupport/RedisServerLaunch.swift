import ConveyorRedis
import Foundation
import Logging

/// Starting a `redis-server` (or sentinel) of a test's own on a random loopback port. Tests
/// start many at once, so a port drawn at random may already be another's, and a cluster
/// node's bus port (its port + 10000, in Linux's ephemeral range) may be held by an outgoing
/// connection: a server that exits at once is started again on another port.
enum RedisServerLaunch {
    private static let attempts = 5

    /// Starts a server on a port of `ports` that `taken` does not hold, with `launch` (which
    /// spawns it on the port it is given), and waits until it answers. The server and its port.
    static func onFreePort(
        in ports: ClosedRange<Int>, avoiding taken: Set<Int> = [], logPath: (Int) -> String,
        _ launch: (Int) throws -> ChildProcess
    ) async throws -> (server: ChildProcess, port: Int) {
        var tried = taken
        for attempt in 1...attempts {
            var port = Int.random(in: ports)
            while tried.contains(port) { port = Int.random(in: ports) }
            tried.insert(port)
            do {
                return (try await start(on: port, logPath: logPath(port)) { try launch(port) }, port)
            } catch let failure as Failure where failure.exited && attempt < attempts {
                continue
            }
        }
        preconditionFailure("the last attempt returns or throws")
    }

    /// Spawns a server with `launch` and waits until it answers `PING` on `port`; throws
    /// ``Failure`` when it exits first or does not answer within 10 s.
    static func start(on port: Int, logPath: String, _ launch: () throws -> ChildProcess) async throws -> ChildProcess {
        let server = try launch()
        let client = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(port)/0"), logger: .init(label: "test-redis-launch"))
        let answered = try await eventually(timeout: .seconds(10)) {
            guard server.isRunning else { return true }
            return (try? await client.send(RedisCommand("PING"))) != nil
        }
        await client.shutdown()
        guard answered, server.isRunning else {
            throw Failure(port: port, exited: !server.isRunning, log: lastLines(of: logPath))
        }
        return server
    }

    private static func lastLines(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(3).joined(separator: "\n")
    }

    struct Failure: Error, CustomStringConvertible {
        let port: Int
        /// Whether the server exited rather than started, as it does when its port is taken.
        let exited: Bool
        let log: String
        var description: String { "redis-server did not start on port \(port)\(exited ? " (it exited)" : ""): \(log)" }
    }
}
