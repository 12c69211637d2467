import ConveyorCore
import Foundation

/// Conversion between `Date` and PostgreSQL's ISO timestamp text, to the microsecond.
///
/// Hand-written rather than `ISO8601DateFormatter`, which keeps milliseconds only, cannot read
/// PostgreSQL's `+HH` offsets or `BC` suffix, and costs far more per value in large results.
enum PostgresTimestamp {
    private static let microsecondsPerSecond: Int64 = 1_000_000
    private static let secondsPerDay: Int64 = 86_400
    /// Seconds from 1970-01-01 to Foundation's reference date, 2001-01-01.
    private static let referenceDateOffset: Int64 = 978_307_200

    /// `2024-05-06T07:08:09.123456Z`, or PostgreSQL's `0044-03-15 12:00:00Z BC` for dates before year 1.
    static func text(for date: Date) -> String {
        let microsSinceReference = Int64((date.timeIntervalSinceReferenceDate * 1_000_000).rounded())
        let micros = microsSinceReference + referenceDateOffset * microsecondsPerSecond
        let (seconds, fraction) = floorDivision(micros, microsecondsPerSecond)
        let (days, secondOfDay) = floorDivision(seconds, secondsPerDay)
        let civil = CivilCalendar.date(days: Int(days))
        let (year, month, day) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
        let time =
            "\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2)).\(padded(fraction, 6))"
        if year > 0 {
            return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(time)Z"
        }
        return "\(padded(1 - year, 4))-\(padded(month, 2))-\(padded(day, 2)) \(time)Z BC"
    }

    /// Reads `YYYY-MM-DD[( |T)HH:MM:SS[.ffffff]][Z|±HH[:MM[:SS]]][ BC]`; a missing offset means UTC,
    /// so `timestamp` and `date` columns decode too. `infinity` and `-infinity` map to Foundation's distant dates.
    static func date(from text: String) -> Date? {
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: break
        }
        var scanner = Scanner(Array(text.utf8))
        guard var year = scanner.integer(minimumDigits: 4), scanner.skip("-"),
            let month = scanner.integer(digits: 2), scanner.skip("-"),
            let day = scanner.integer(digits: 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var secondOfDay: Int64 = 0
        var fraction: Int64 = 0
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.integer(digits: 2), scanner.skip(":"),
                let minute = scanner.integer(digits: 2), scanner.skip(":"),
                let second = scanner.integer(digits: 2)
            else { return nil }
            secondOfDay = hour * 3600 + minute * 60 + second
            if scanner.skip(".") {
                guard let micros = scanner.fraction(digits: 6) else { return nil }
                fraction = micros
            }
        }
        guard let offset = scanner.utcOffset() else { return nil }
        if scanner.skip(" BC") { year = 1 - year }
        guard scanner.isAtEnd else { return nil }
        let seconds = Int64(CivilCalendar.days(year: Int(year), month: Int(month), day: Int(day))) * secondsPerDay + secondOfDay - offset
        let microsSinceReference = (seconds - referenceDateOffset) * microsecondsPerSecond + fraction
        return Date(timeIntervalSinceReferenceDate: Double(microsSinceReference) / 1_000_000)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Reads the timestamp's ASCII fields from left to right.
    private struct Scanner {
        private let bytes: [UInt8]
        private var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { self.index == self.bytes.count }

        mutating func skip(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard self.index + count <= self.bytes.count else { return false }
            let matches = literal.withUTF8Buffer { $0.elementsEqual(self.bytes[self.index..<self.index + count]) }
            if matches { self.index += count }
            return matches
        }

        mutating func integer(digits: Int) -> Int64? {
            self.integer(minimumDigits: digits, maximumDigits: digits)
        }

        mutating func integer(minimumDigits: Int, maximumDigits: Int = 9) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while count < maximumDigits, self.index < self.bytes.count, let digit = Self.digit(self.bytes[self.index]) {
                value = value * 10 + digit
                count += 1
                self.index += 1
            }
            return count >= minimumDigits ? value : nil
        }

        /// A fraction of a second in units of 10^-digits, rounding away digits beyond.
        mutating func fraction(digits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            var roundUp = false
            while self.index < self.bytes.count, let digit = Self.digit(self.bytes[self.index]) {
                if count < digits {
                    value = value * 10 + digit
                } else if count == digits {
                    roundUp = digit >= 5
                }
                count += 1
                self.index += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, digits) { value *= 10 }
            return roundUp ? value + 1 : value
        }

        /// Seconds east of UTC; zero when the text has no offset.
        mutating func utcOffset() -> Int64? {
            if self.skip("Z") { return 0 }
            let sign: Int64
            if self.skip("+") {
                sign = 1
            } else if self.skip("-") {
                sign = -1
            } else {
                return 0
            }
            guard let hours = self.integer(digits: 2) else { return nil }
            var seconds = hours * 3600
            if self.skip(":") {
                guard let minutes = self.integer(digits: 2) else { return nil }
                seconds += minutes * 60
                if self.skip(":") {
                    guard let extra = self.integer(digits: 2) else { return nil }
                    seconds += extra
                }
            }
            return sign * seconds
        }

        private static func digit(_ byte: UInt8) -> Int64? {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int64(byte - UInt8(ascii: "0")) : nil
        }
    }
}
