import Foundation

/// The wall clock of a time zone: the wall time an instant shows, and the instant a wall
/// time names. Instants are whole seconds since the Unix epoch.
///
/// Daylight-saving changes make the second mapping irregular, and cron needs a rule for both:
/// - a wall time that occurs twice (clocks go back) names its first occurrence, so a
///   schedule at 01:30 fires once, not twice;
/// - a wall time that never occurs (clocks go forward) names the instant the clocks
///   jumped, so a schedule at 02:30 still fires that day, at the end of the gap.
struct ZonedWallClock: Sendable {
    let timeZone: TimeZone

    func wallTime(at instant: Int) -> WallTime {
        WallTime(seconds: instant + offset(at: instant))
    }

    func instant(of time: WallTime) -> Int {
        let wall = time.seconds
        // The offsets in force a day either side bracket any single change at this wall time.
        let offsetBefore = offset(at: wall - 86_400)
        let offsetAfter = offset(at: wall + 86_400)
        let candidates = [wall - offsetBefore, wall - offsetAfter].filter { wallTime(at: $0).seconds == wall }
        if let earliest = candidates.min() {
            return earliest
        }
        // In a gap: the clocks jumped between the two candidates; find the first second of
        // the new offset.
        var low = min(wall - offsetBefore, wall - offsetAfter)
        var high = max(wall - offsetBefore, wall - offsetAfter)
        while low < high {
            let middle = low + (high - low) / 2
            if offset(at: middle) == offsetAfter { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// How far the zone's offset may differ around `instant`: 0 away from any change.
    func offsetSwing(around instant: Int) -> Int {
        abs(offset(at: instant - 86_400) - offset(at: instant + 86_400))
    }

    private func offset(at instant: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }
}
