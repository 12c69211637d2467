#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// CPU time used by this process, user and system together.
enum ProcessorTime {
    /// Seconds of CPU time this process has used so far, on all its threads.
    static func used() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
