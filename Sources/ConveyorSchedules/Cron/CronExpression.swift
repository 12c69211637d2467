/// The fields of a cron expression, matched against wall time.
///
/// Five fields, `minute hour day-of-month month day-of-week`, as in Vixie cron; or six, with
/// a `second` field first, for schedules finer than a minute. `@hourly`, `@daily`
/// (`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`) stand for their
/// usual expressions. When both day fields are restricted (neither starts with `*`), a day
/// matches if either does — `0 0 1 * mon` fires on the 1st and on every Monday — otherwise
/// both must.
struct CronExpression: Sendable {
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    let seconds: CronField
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    init(_ text: String) throws(CronSyntaxError) {
        let expanded = Self.macros[text.lowercased()] ?? text
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 || fields.count == 6 else {
            throw CronSyntaxError(
                "'\(text)' has \(fields.count) fields; write 5 (minute hour day-of-month month day-of-week), "
                    + "6 with a second field first, or one of \(Self.macros.keys.sorted().joined(separator: ", "))"
            )
        }
        let rest = fields.suffix(5)
        seconds = try fields.count == 6 ? CronField(fields[0], kind: .second) : CronField("0", kind: .second)
        minutes = try CronField(rest[rest.startIndex], kind: .minute)
        hours = try CronField(rest[rest.startIndex + 1], kind: .hour)
        daysOfMonth = try CronField(rest[rest.startIndex + 2], kind: .dayOfMonth)
        months = try CronField(rest[rest.startIndex + 3], kind: .month)
        daysOfWeek = try CronField(rest[rest.startIndex + 4], kind: .dayOfWeek)
    }

    /// How far a search for a match looks before deciding there is none: long enough for
    /// the rarest expressions (29 February on a Monday happens every 28 years or so).
    private static let searchSpan = 40 * 366 * 86_400

    /// The first wall time at or after `start` that matches, or nil if none does for decades.
    func firstMatch(atOrAfter start: WallTime) -> WallTime? {
        var time = start
        let limit = start.adding(Self.searchSpan)
        while time <= limit {
            if !months.contains(time.date.month) {
                time = time.startOfNextMonth
            } else if !matchesDay(of: time) {
                time = time.startOfDay.adding(86_400)
            } else if !hours.contains(time.hour) {
                time = time.startOfHour.adding(3600)
            } else if !minutes.contains(time.minute) {
                time = time.startOfMinute.adding(60)
            } else if !seconds.contains(time.second) {
                time = time.adding(1)
            } else {
                return time
            }
        }
        return nil
    }

    /// The last wall time at or before `start` that matches, or nil if none does for decades.
    func lastMatch(atOrBefore start: WallTime) -> WallTime? {
        var time = start
        let limit = start.adding(-Self.searchSpan)
        while time >= limit {
            if !months.contains(time.date.month) {
                time = time.startOfMonth.adding(-1)
            } else if !matchesDay(of: time) {
                time = time.startOfDay.adding(-1)
            } else if !hours.contains(time.hour) {
                time = time.startOfHour.adding(-1)
            } else if !minutes.contains(time.minute) {
                time = time.startOfMinute.adding(-1)
            } else if !seconds.contains(time.second) {
                time = time.adding(-1)
            } else {
                return time
            }
        }
        return nil
    }

    private func matchesDay(of time: WallTime) -> Bool {
        let dayOfMonth = daysOfMonth.contains(time.date.day)
        let dayOfWeek = daysOfWeek.contains(time.weekday)
        if daysOfMonth.isUnrestricted || daysOfWeek.isUnrestricted {
            return dayOfMonth && dayOfWeek
        }
        return dayOfMonth || dayOfWeek
    }
}
