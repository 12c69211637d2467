import Foundation

/// A Redis server of the test's own, with AOF on, for tests that stop and restart it.
public final class PrivateRedis: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private var process: Process?

    public init() throws {
        port = Int.random(in: 20_000...29_999)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-redis-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server on its port and data folder, and waits until it answers.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = [
            "--bind", "127.0.0.1", "--port", "\(port)", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile", "\(directory)/redis.log",
        ]
        try process.run()
        self.process = process
        for _ in 0..<100 {
            if ping() { return }
            usleep(50_000)
        }
        throw StartFailure(port: port)
    }

    /// Stops the server as an operator would (SHUTDOWN: the AOF is written out).
    public func stop() {
        guard let process else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    private func ping() -> Bool {
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        cli.arguments = ["-p", "\(port)", "ping"]
        let pipe = Pipe()
        cli.standardOutput = pipe
        cli.standardError = FileHandle.nullDevice
        guard (try? cli.run()) != nil else { return false }
        cli.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("PONG")
    }

    struct StartFailure: Error, CustomStringConvertible {
        let port: Int
        var description: String { "redis-server did not start on port \(port)" }
    }
}
