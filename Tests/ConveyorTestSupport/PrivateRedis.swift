import ConveyorRedis
import Foundation
import Logging

/// A Redis server of the test's own, with AOF on, for tests that stop and restart it.
public final class PrivateRedis: @unchecked Sendable {
    public let port: Int
    public let directory: String
    /// What the server is started with beside its port, folder and AOF, such as TLS settings.
    private let arguments: [String]
    private var server: ChildProcess?

    public init(arguments: [String] = []) async throws {
        self.arguments = arguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-redis-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let directory = directory
        let started = try await RedisServerLaunch.onFreePort(in: 20_000...26_999, logPath: { _ in "\(directory)/redis.log" }) { port in
            try Self.launch(port: port, directory: directory, arguments: arguments)
        }
        server = started.server
        port = started.port
    }

    deinit {
        server = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server again on its port and data folder, and waits until it answers.
    public func start() async throws {
        server = try await RedisServerLaunch.start(on: port, logPath: "\(directory)/redis.log") {
            try Self.launch(port: port, directory: directory, arguments: arguments)
        }
    }

    private static func launch(port: Int, directory: String, arguments: [String]) throws -> ChildProcess {
        try ChildProcess(
            "/usr/bin/redis-server",
            [
                "--bind", "127.0.0.1", "--port", "\(port)", "--dir", directory,
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            ] + arguments,
            environment: [:], outputPath: "\(directory)/redis.log"
        )
    }

    /// Sends `signal` to the server, such as SIGSTOP to make it stop answering, or SIGKILL.
    public func signal(_ signal: Int32) {
        server?.signal(signal)
    }

    /// Stops the server as an operator would: SIGTERM, on which Redis writes out its AOF.
    public func stop() async throws {
        guard let server else { return }
        server.signal(SIGTERM)
        _ = try await server.waitForExit(timeout: .seconds(10))
        self.server = nil
    }
}
