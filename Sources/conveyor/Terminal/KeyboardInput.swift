import Foundation

/// The keys typed on the terminal of standard input, each as it is typed, without echo or
/// line editing, while a full-screen command runs; ``restore()`` gives the terminal back its
/// modes. Ctrl-C still sends SIGINT.
struct KeyboardInput {
    private let original: termios
    /// Each byte typed, in order; it ends when standard input does.
    let keys: AsyncStream<UInt8>

    /// Takes the keys of standard input, or nil when it is not a terminal.
    init?() {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return nil }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        // One byte at a time, as soon as it is typed.
        withUnsafeMutableBytes(of: &raw.c_cc) { controls in
            controls[Int(VMIN)] = 1
            controls[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return nil }
        self.original = original
        let (keys, continuation) = AsyncStream.makeStream(of: UInt8.self)
        self.keys = keys
        // A blocking read, on a thread of its own rather than the cooperative pool; it
        // ends with the process.
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(STDIN_FILENO, &byte, 1)
                if count == 1 {
                    continuation.yield(byte)
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    continuation.finish()
                    return
                }
            }
        }
        reader.start()
    }

    /// Puts the terminal back in the modes it had.
    func restore() {
        var original = original
        tcsetattr(STDIN_FILENO, TCSANOW, &original)
    }
}
