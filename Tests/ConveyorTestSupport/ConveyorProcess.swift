import Foundation

/// A `conveyor` process started by a test, with its output captured to a file so the
/// test can read its log lines. Killed when released, so a failing test leaves no
/// process behind.
public final class ConveyorProcess: Sendable {
    public let process: ChildProcess
    public let outputPath: String

    /// The `conveyor` binary: `CONVEYOR_BIN`, or the one built beside the test bundle.
    public static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["CONVEYOR_BIN"] { return path }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("conveyor").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw MissingBinary()
    }

    /// Starts `conveyor ARGUMENTS` with the given environment added to this one's.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-\(UUID().uuidString).log").path
        process = try ChildProcess(
            try Self.binary(), arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            outputPath: outputPath
        )
    }

    deinit {
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    public var pid: Int32 { process.pid }

    public func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// Waits for the process to exit, up to `timeout`; its status, or nil if it still runs.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        try await process.waitForExit(timeout: timeout)
    }

    /// Everything the process has written so far.
    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// The JSON log lines written so far, parsed.
    public var logLines: [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// The timing lines, one per attempt.
    public var attemptLines: [[String: Any]] {
        logLines.filter { ($0["msg"] as? String) == "job attempt" }
    }

    /// The timing lines, once there are at least `count` of them (a worker flushes its
    /// log every 100 ms), or what there is after `timeout`.
    public func attemptLines(atLeast count: Int, timeout: Duration = .seconds(5)) async throws -> [[String: Any]] {
        _ = try await eventually(timeout: timeout) { self.attemptLines.count >= count }
        return attemptLines
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "the conveyor binary was not found: set CONVEYOR_BIN or build it with swift build" }
    }
}
