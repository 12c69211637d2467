/// Counts, sizes and durations as the commands print them: `50,000`, `8.4 MiB`, `0:07`.
enum Figures {
    /// A whole number with its thousands grouped by commas.
    static func grouped(_ number: some BinaryInteger) -> String {
        let digits = String(number.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return number < 0 ? "-" + text : text
    }

    /// A size in bytes, KiB, MiB or GiB, one decimal past bytes.
    static func bytes(_ count: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard count >= 1024 else { return "\(count) B" }
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\(tenths(value)) \(units[unit])"
    }

    /// Elapsed time as a clock: `0:07`, `12:34`, `1:02:03`.
    static func clock(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        let (hours, minutes) = (seconds / 3600, seconds / 60 % 60)
        let rest = seconds % 60 < 10 ? "0\(seconds % 60)" : "\(seconds % 60)"
        if hours > 0 { return "\(hours):\(minutes < 10 ? "0" : "")\(minutes):\(rest)" }
        return "\(minutes):\(rest)"
    }

    /// A duration in seconds with one decimal: `3.1 s`.
    static func seconds(_ duration: Duration) -> String {
        "\(tenths(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)) s"
    }

    /// `value` rounded to one decimal.
    private static func tenths(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
