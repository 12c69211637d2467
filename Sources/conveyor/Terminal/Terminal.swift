import Foundation

/// Standard output as the commands draw on it: whether a person watches it, its size, and
/// writes that reach it at once, so that a redrawn line shows when it is drawn.
enum Terminal {
    /// Whether standard output is a terminal: redraw in place there, print plain lines elsewhere.
    static var isInteractive: Bool {
        isatty(STDOUT_FILENO) == 1
    }

    /// The terminal's columns and rows; 80 × 24 when it does not say.
    static var size: (columns: Int, rows: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
            return (80, 24)
        }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Writes `text` to standard output unbuffered.
    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// ANSI: back to the line's start, and clear from the cursor to the line's end.
    static let lineStart = "\r"
    static let clearToLineEnd = "\u{1B}[K"
    /// ANSI: the cursor to the top left corner, and clear from the cursor to the screen's end.
    static let home = "\u{1B}[H"
    static let clearToScreenEnd = "\u{1B}[J"
    static let clearScreen = "\u{1B}[2J"
    static let hideCursor = "\u{1B}[?25l"
    static let showCursor = "\u{1B}[?25h"
}
