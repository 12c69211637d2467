import Foundation

/// This process's resources as Linux reports them under `/proc/self`: the figures of the
/// standard `process_*` metrics.
public struct ProcessFigures: Sendable {
    var residentBytes: Double
    var virtualBytes: Double
    var cpuSeconds: Double
    var openFiles: Double
    var maxFiles: Double
    var startTime: Double

    public static func read() -> ProcessFigures {
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?
            .split(separator: " ").compactMap { Double($0) } ?? []
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let openFiles = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessFigures(
            residentBytes: pages.count > 1 ? pages[1] * pageSize : 0,
            virtualBytes: (pages.first ?? 0) * pageSize,
            cpuSeconds: cpu,
            openFiles: Double(openFiles),
            maxFiles: Double(limit.rlim_cur),
            startTime: startTime() ?? 0
        )
    }

    /// The standard `process_*` families.
    public func write(into text: inout PrometheusText) {
        let figures: [(String, PrometheusText.Kind, String, Double)] = [
            ("process_resident_memory_bytes", .gauge, "Resident memory size in bytes", residentBytes),
            ("process_virtual_memory_bytes", .gauge, "Virtual memory size in bytes", virtualBytes),
            ("process_cpu_seconds_total", .counter, "User and system CPU time spent, in seconds", cpuSeconds),
            ("process_open_fds", .gauge, "Open file descriptors", openFiles),
            ("process_max_fds", .gauge, "The most file descriptors the process may open", maxFiles),
            ("process_start_time_seconds", .gauge, "Start time of the process, in seconds since the epoch", startTime),
        ]
        for (name, kind, help, value) in figures {
            text.family(name, kind, help: help)
            text.sample(name, value)
        }
    }

    /// Seconds since the epoch at which the process started: its start in clock ticks after
    /// boot (`/proc/self/stat`, field 22) plus the boot time (`/proc/stat`, `btime`).
    private static func startTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"),
            let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootLine = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(bootLine.dropFirst(6))
        else { return nil }
        // After the command name in parentheses come the fields from the third on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        return boot + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
