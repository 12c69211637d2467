/// The one line of status that follows a long operation. On a terminal it is redrawn in
/// place (carriage return, the line, clear to its end); elsewhere it becomes plain lines,
/// stamped with the time since the start, one when what they say changes and at most one a
/// second, so that a log or a pipe keeps a readable record without carriage returns.
final class StatusLine {
    /// Whether standard output is a terminal.
    let interactive: Bool
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var drawn = false
    private var lastPlain: String?
    private var lastPrinted: ContinuousClock.Instant?
    private var lastDrawn: ContinuousClock.Instant?

    /// Plain lines closer together than this wait for the next change, but for a change of state.
    private static let plainInterval: Duration = .seconds(1)
    /// Redraws closer together than this are skipped: a download reports every piece.
    private static let drawInterval: Duration = .milliseconds(50)

    init(interactive: Bool = Terminal.isInteractive) {
        self.interactive = interactive
        started = clock.now
    }

    /// The time since the status began.
    var elapsed: Duration {
        clock.now - started
    }

    /// The terminal's width, for a line drawn to fit it.
    var width: Int {
        Terminal.size.columns
    }

    /// Shows `line` on a terminal; elsewhere prints `plain` if it says something new and a
    /// second has passed since the last plain line, or at once when `urgent` (a new state).
    func show(_ line: String, plain: String, urgent: Bool = false) {
        let now = clock.now
        if interactive {
            if !urgent, let lastDrawn, now - lastDrawn < Self.drawInterval { return }
            lastDrawn = now
            Terminal.write(Terminal.lineStart + String(line.prefix(max(1, width - 1))) + Terminal.clearToLineEnd)
            drawn = true
            return
        }
        guard plain != lastPlain else { return }
        if !urgent, let lastPrinted, now - lastPrinted < Self.plainInterval { return }
        lastPlain = plain
        lastPrinted = now
        Terminal.write("[\(Figures.seconds(now - started))] \(plain)\n")
    }

    /// Prints `text` on lines of its own, below the status line, which it ends first.
    func print(_ text: String) {
        end()
        Terminal.write(text + "\n")
    }

    /// Leaves the status line as it was last drawn and moves below it.
    func end() {
        if drawn {
            Terminal.write("\n")
            drawn = false
        }
    }
}
