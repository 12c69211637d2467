import Foundation

/// A process's resident set size, as Linux reports it in `/proc/PID/status`.
enum ResidentMemory {
    /// `VmRSS` of process `pid` in KiB, or `nil` when the process is gone.
    static func kilobytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }
}
