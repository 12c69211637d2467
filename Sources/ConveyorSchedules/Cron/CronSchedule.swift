public import Foundation

/// A cron expression read on the wall clock of a time zone: the instants ("ticks") at
/// which it fires, as whole seconds since the Unix epoch.
///
/// Across daylight-saving changes each matching wall time fires once: a time the clocks
/// pass twice fires at its first occurrence, and times the clocks skip fire once, at the
/// end of the gap (see ``ZonedWallClock``).
public struct CronSchedule: Sendable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    public let timeZone: TimeZone
    private let fields: CronExpression
    private let clock: ZonedWallClock

    /// - Throws: ``CronSyntaxError`` naming the field at fault, or saying the expression
    ///   never fires (`0 0 31 2 *`).
    public init(_ expression: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(CronSyntaxError) {
        self.expression = expression
        self.timeZone = timeZone
        self.fields = try CronExpression(expression)
        self.clock = ZonedWallClock(timeZone: timeZone)
        guard fields.firstMatch(atOrAfter: WallTime(year: 2000, month: 1, day: 1)) != nil else {
            throw CronSyntaxError("'\(expression)' never fires: no date has those days in those months")
        }
    }

    /// The first tick strictly after `instant`.
    public func nextTick(after instant: Int) -> Int? {
        var start = clock.wallTime(at: instant).adding(1)
        while let match = fields.firstMatch(atOrAfter: start) {
            let tick = clock.instant(of: match)
            if tick > instant { return tick }
            // A wall time the clocks passed twice, already fired at its first occurrence.
            start = match.adding(1)
        }
        return nil
    }

    /// The last tick at or before `instant`.
    public func latestTick(atOrBefore instant: Int) -> Int? {
        // Where the clocks went back, later wall times may name earlier instants: start the
        // search that much later on the wall clock.
        var start = clock.wallTime(at: instant).adding(clock.offsetSwing(around: instant))
        while let match = fields.lastMatch(atOrBefore: start) {
            let tick = clock.instant(of: match)
            if tick <= instant { return tick }
            start = match.adding(-1)
        }
        return nil
    }

    /// The ticks strictly after `start` and strictly before `end`, counted up to `limit`.
    public func tickCount(after start: Int, before end: Int, limit: Int) -> Int {
        var count = 0
        var tick = start
        while count < limit, let next = nextTick(after: tick), next < end {
            count += 1
            tick = next
        }
        return count
    }

    public var description: String {
        "\(expression) (\(timeZone.identifier))"
    }
}
