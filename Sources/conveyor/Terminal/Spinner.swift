/// A spinner's frames, one per redraw, for waits whose length is not known: ASCII, so that
/// it draws the same on every terminal and locale.
struct Spinner {
    private static let frames: [Character] = ["|", "/", "-", "\\"]
    private var frame = 0

    /// The next frame.
    mutating func next() -> Character {
        defer { frame = (frame + 1) % Self.frames.count }
        return Self.frames[frame]
    }
}
