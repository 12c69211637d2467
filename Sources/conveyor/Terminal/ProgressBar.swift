/// A progress bar on one line: `[########............]  40%`, then the figures that say how
/// far along the work is, fitted to the terminal's width. ASCII only, so that it draws the
/// same on every terminal and locale.
enum ProgressBar {
    private static let widestBar = 40
    private static let narrowestBar = 10

    /// The line for `fraction` (0 to 1) done, with `label` before the bar and `figures` after
    /// it; figures that do not fit in `width` are left off from the end.
    static func line(label: String, fraction: Double, figures: [String], width: Int) -> String {
        let clamped = min(max(fraction, 0), 1)
        let percent = Int((clamped * 100).rounded(.down))
        let head = "\(label) "
        let percentText = String(repeating: " ", count: 4 - "\(percent)".count) + "\(percent)%"
        var shown = figures
        var tail: String { shown.isEmpty ? "" : "  " + shown.joined(separator: "  ") }
        // The bar, its brackets, the percentage and the figures share the width.
        func barWidth() -> Int { width - 1 - head.count - 2 - percentText.count - tail.count }
        while barWidth() < narrowestBar && !shown.isEmpty { shown.removeLast() }
        let bar = min(widestBar, max(narrowestBar, barWidth()))
        let filled = Int((clamped * Double(bar)).rounded(.down))
        return head + "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: bar - filled) + "]"
            + percentText + tail
    }
}
