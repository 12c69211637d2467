import ConveyorCore
import Foundation

/// How the dashboard writes numbers, times and ages: the same on every page.
enum Figures {
    /// `1234567` as `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A duration in milliseconds, with three significant figures below 100 ms, then as
    /// seconds, minutes or hours.
    static func duration(milliseconds: Double) -> String {
        switch milliseconds {
        case ..<10: String(format: "%.2f ms", milliseconds)
        case ..<100: String(format: "%.1f ms", milliseconds)
        case ..<10_000: String(format: "%.0f ms", milliseconds)
        case ..<120_000: String(format: "%.1f s", milliseconds / 1000)
        case ..<7_200_000: String(format: "%.1f min", milliseconds / 60_000)
        default: String(format: "%.1f h", milliseconds / 3_600_000)
        }
    }

    static func duration(_ value: Duration) -> String {
        duration(milliseconds: Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15)
    }

    /// A moment as the API writes it (RFC 3339, UTC, microseconds).
    static func time(_ timestamp: Timestamp?) -> String {
        timestamp.map(\.description) ?? "—"
    }

    static func time(_ date: Date) -> String {
        Timestamp(date).description
    }

    /// How long ago `date` was, from `now`.
    static func age(of date: Date, now: Date = Date()) -> String {
        duration(milliseconds: max(0, now.timeIntervalSince(date) * 1000)) + " ago"
    }
}
