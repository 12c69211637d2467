import ConveyorSchedules
import Foundation
import Testing

/// Unix seconds of an RFC 3339 time, e.g. `2024-03-10T03:00:00-04:00`.
func instant(_ text: String) -> Int {
    Int(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970)
}

func schedule(_ expression: String, in zone: String = "UTC") throws -> CronSchedule {
    try CronSchedule(expression, timeZone: TimeZone(identifier: zone)!)
}

@Suite("Cron expressions")
struct CronScheduleTests {
    @Test(
        "the next tick",
        arguments: [
            ("* * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"),
            ("*/15 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:15:00Z"),
            ("5/20 * * * *", "2024-01-01T00:25:00Z", "2024-01-01T00:45:00Z"),
            ("0,30 8-10 * * *", "2024-01-01T10:30:00Z", "2024-01-02T08:00:00Z"),
            ("0 9 * * mon-fri", "2024-01-05T10:00:00Z", "2024-01-08T09:00:00Z"),
            ("0 9 * * MON-FRI", "2024-01-05T08:59:59Z", "2024-01-05T09:00:00Z"),
            ("0 0 * * 7", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
            ("0 0 * * 0", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
            ("0 0 1 jan,jul *", "2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z"),
            ("0 0 8-14 * 1-5/2", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
            ("0 12 29 feb *", "2024-03-01T00:00:00Z", "2028-02-29T12:00:00Z"),
            ("0 0 31 * *", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z"),
            ("59 23 31 12 *", "2024-06-01T00:00:00Z", "2024-12-31T23:59:00Z"),
            ("@hourly", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"),
            ("@daily", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
            ("@weekly", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
            ("@monthly", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
            ("@yearly", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            ("*/10 * * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:00:10Z"),
            ("30 0 0 * * *", "2024-01-01T00:00:30Z", "2024-01-02T00:00:30Z"),
        ]
    )
    func nextTick(expression: String, after: String, expected: String) throws {
        #expect(try schedule(expression).nextTick(after: instant(after)) == instant(expected))
    }

    @Test("both day fields restricted: either matches (Vixie cron); one starting with * : both must")
    func dayFields() throws {
        let either = try schedule("0 0 1 * mon")
        #expect(either.nextTick(after: instant("2024-01-01T00:00:00Z")) == instant("2024-01-08T00:00:00Z"))
        #expect(either.nextTick(after: instant("2024-01-29T00:00:00Z")) == instant("2024-02-01T00:00:00Z"))
        // Days 1, 11, 21 and 31 that are also Mondays: the first after New Year 2024 is 11 March.
        let both = try schedule("0 0 */10 * mon")
        #expect(both.nextTick(after: instant("2024-01-01T00:00:00Z")) == instant("2024-03-11T00:00:00Z"))
    }

    @Test("the latest tick at or before an instant")
    func latestTick() throws {
        let weekdays = try schedule("0 9 * * mon-fri")
        #expect(weekdays.latestTick(atOrBefore: instant("2024-01-06T12:00:00Z")) == instant("2024-01-05T09:00:00Z"))
        #expect(weekdays.latestTick(atOrBefore: instant("2024-01-05T09:00:00Z")) == instant("2024-01-05T09:00:00Z"))
        #expect(weekdays.latestTick(atOrBefore: instant("2024-01-05T08:59:59Z")) == instant("2024-01-04T09:00:00Z"))
        #expect(try schedule("0 12 29 feb *").latestTick(atOrBefore: instant("2027-01-01T00:00:00Z")) == instant("2024-02-29T12:00:00Z"))
    }

    @Test("ticks between two instants are counted")
    func tickCount() throws {
        let quarterHours = try schedule("*/15 * * * *")
        #expect(quarterHours.tickCount(after: instant("2024-01-01T00:00:00Z"), before: instant("2024-01-01T01:00:00Z"), limit: 100) == 3)
        #expect(quarterHours.tickCount(after: instant("2024-01-01T00:00:00Z"), before: instant("2024-01-02T00:00:00Z"), limit: 10) == 10)
    }

    @Test("a time zone's wall clock: 09:00 in Paris is 08:00 UTC in winter, 07:00 in summer")
    func timeZone() throws {
        let paris = try schedule("0 9 * * *", in: "Europe/Paris")
        #expect(paris.nextTick(after: instant("2024-01-10T00:00:00Z")) == instant("2024-01-10T08:00:00Z"))
        #expect(paris.nextTick(after: instant("2024-07-10T00:00:00Z")) == instant("2024-07-10T07:00:00Z"))
        let tokyo = try schedule("0 0 * * *", in: "Asia/Tokyo")
        #expect(tokyo.nextTick(after: instant("2024-01-10T00:00:00Z")) == instant("2024-01-10T15:00:00Z"))
    }

    @Test("clocks going forward: a time in the skipped hour fires once, when the clocks jump")
    func springForward() throws {
        // New York, 10 March 2024: at 02:00 EST the clocks go to 03:00 EDT (07:00 UTC).
        let daily = try schedule("30 2 * * *", in: "America/New_York")
        #expect(daily.nextTick(after: instant("2024-03-09T03:00:00-05:00")) == instant("2024-03-10T03:00:00-04:00"))
        #expect(daily.nextTick(after: instant("2024-03-10T03:00:00-04:00")) == instant("2024-03-11T02:30:00-04:00"))
        #expect(daily.latestTick(atOrBefore: instant("2024-03-10T05:00:00-04:00")) == instant("2024-03-10T03:00:00-04:00"))

        let hourly = try schedule("0 * * * *", in: "America/New_York")
        #expect(hourly.nextTick(after: instant("2024-03-10T01:00:00-05:00")) == instant("2024-03-10T03:00:00-04:00"))
        #expect(hourly.nextTick(after: instant("2024-03-10T03:00:00-04:00")) == instant("2024-03-10T04:00:00-04:00"))

        let paris = try schedule("30 2 * * *", in: "Europe/Paris")
        #expect(paris.nextTick(after: instant("2024-03-30T12:00:00Z")) == instant("2024-03-31T01:00:00Z"))
    }

    @Test("clocks going back: a time passed twice fires once, at its first occurrence")
    func fallBack() throws {
        // New York, 3 November 2024: at 02:00 EDT the clocks go back to 01:00 EST (06:00 UTC).
        let daily = try schedule("30 1 * * *", in: "America/New_York")
        #expect(daily.nextTick(after: instant("2024-11-02T12:00:00-04:00")) == instant("2024-11-03T01:30:00-04:00"))
        #expect(daily.nextTick(after: instant("2024-11-03T01:30:00-04:00")) == instant("2024-11-04T01:30:00-05:00"))

        let halfHours = try schedule("*/30 * * * *", in: "America/New_York")
        #expect(halfHours.nextTick(after: instant("2024-11-03T01:00:00-04:00")) == instant("2024-11-03T01:30:00-04:00"))
        #expect(halfHours.nextTick(after: instant("2024-11-03T01:30:00-04:00")) == instant("2024-11-03T02:00:00-05:00"))
        // In the repeated hour, the latest tick is the one of the first pass.
        #expect(halfHours.latestTick(atOrBefore: instant("2024-11-03T01:45:00-05:00")) == instant("2024-11-03T01:30:00-04:00"))
        #expect(halfHours.latestTick(atOrBefore: instant("2024-11-03T02:00:00-05:00")) == instant("2024-11-03T02:00:00-05:00"))
        // A scheduler starting in the repeated hour waits for 02:00 EST.
        #expect(halfHours.nextTick(after: instant("2024-11-03T01:10:00-05:00")) == instant("2024-11-03T02:00:00-05:00"))
    }

    @Test(
        "mistakes are refused with the field and what to write",
        arguments: [
            ("* * * *", "has 4 fields"),
            ("* * * * * * *", "has 7 fields"),
            ("60 * * * *", "minute field '60': '60' is not a value; use 0 to 59"),
            ("* 24 * * *", "hour field '24'"),
            ("* * 0 * *", "day-of-month field '0'"),
            ("* * * 13 *", "month field '13'"),
            ("* * * foo *", "month field 'foo': 'foo' is not a value; use 1 to 12 or a name (jan,"),
            ("* * * * 8", "day-of-week field '8'"),
            ("* * * * fri-mon", "runs backwards"),
            ("5-1 * * * *", "the range '5-1' runs backwards"),
            ("*/0 * * * *", "the step '0' must be a whole number from 1 to 60"),
            ("1,,2 * * * *", "an empty item"),
            ("0 0 31 2 *", "never fires"),
            ("0 0 30 feb *", "never fires"),
        ]
    )
    func syntaxErrors(expression: String, message: String) {
        #expect {
            try CronSchedule(expression)
        } throws: { error in
            (error as? CronSyntaxError)?.message.contains(message) == true
        }
    }
}
