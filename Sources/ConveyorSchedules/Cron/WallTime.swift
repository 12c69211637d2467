import ConveyorCore

/// A reading of a wall clock: seconds since 1970-01-01 00:00:00 as if every day had 86,400
/// seconds and no time zone applied. Cron fields are matched against wall time; turning it
/// into an instant is the time zone's business (``ZonedWallClock``).
struct WallTime: Comparable, Sendable {
    var seconds: Int

    init(seconds: Int) {
        self.seconds = seconds
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        seconds = CivilCalendar.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    static func < (left: WallTime, right: WallTime) -> Bool { left.seconds < right.seconds }

    private var days: Int { seconds.floorDivided(by: 86_400) }
    private var secondOfDay: Int { seconds - days * 86_400 }

    var second: Int { secondOfDay % 60 }
    var minute: Int { secondOfDay / 60 % 60 }
    var hour: Int { secondOfDay / 3600 }
    /// 0 for Sunday to 6 for Saturday (1970-01-01 was a Thursday).
    var weekday: Int { (days + 4).floorModulo(7) }
    var date: (year: Int, month: Int, day: Int) { CivilCalendar.date(days: days) }

    var startOfMinute: WallTime { WallTime(seconds: seconds - second) }
    var startOfHour: WallTime { WallTime(seconds: seconds - secondOfDay % 3600) }
    var startOfDay: WallTime { WallTime(seconds: days * 86_400) }
    var startOfMonth: WallTime {
        let (year, month, _) = date
        return WallTime(year: year, month: month, day: 1)
    }
    var startOfNextMonth: WallTime {
        let (year, month, _) = date
        return month == 12 ? WallTime(year: year + 1, month: 1, day: 1) : WallTime(year: year, month: month + 1, day: 1)
    }

    func adding(_ seconds: Int) -> WallTime { WallTime(seconds: self.seconds + seconds) }
}

extension Int {
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int) -> Int {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
