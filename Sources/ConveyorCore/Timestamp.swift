public import Foundation

/// A point in time to the microsecond, since the Unix epoch. The engine stamps what it stores
/// with the Redis server's clock, so that every process agrees whichever machine asked;
/// PostgreSQL columns and API responses carry the same value as RFC 3339 text.
public struct Timestamp: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public init(_ date: Date) {
        self.microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The local clock's idea of now, for requests that name a time (a `run_at`).
    public static var localNow: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(microseconds: lhs.microseconds + rhs.microseconds)
    }

    /// The time from `earlier` to `self`.
    public func since(_ earlier: Timestamp) -> Duration { .microseconds(microseconds - earlier.microseconds) }

    /// RFC 3339 in UTC, to the microsecond. Written by integer arithmetic: every accepted job's
    /// answer carries one, and Foundation's ISO 8601 style costs more than the rest of it.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        appendUTC(to: &bytes, separator: UInt8(ascii: "T"))
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date and time in UTC, `YYYY-MM-DD`, `separator`, `HH:MM:SS.ffffff`, appended to
    /// `bytes`: the text of ``description`` and of the job history's rows in `COPY`, which
    /// differ only in the separator and what follows.
    public func appendUTC(to bytes: inout [UInt8], separator: UInt8) {
        let seconds = microseconds.quotient(dividingBy: 1_000_000)
        let days = seconds.quotient(dividingBy: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilCalendar.date(days: Int(days))
        func append(_ value: Int, width: Int) {
            let digits = String(value).utf8
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, width - digits.count)))
            bytes.append(contentsOf: digits)
        }
        if year < 0 { bytes.append(UInt8(ascii: "-")) }
        append(abs(year), width: 4)
        bytes.append(UInt8(ascii: "-"))
        append(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(day, width: 2)
        bytes.append(separator)
        append(secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        bytes.append(UInt8(ascii: "."))
        append(Int(microseconds - seconds * 1_000_000), width: 6)
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    fileprivate func quotient(dividingBy divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
