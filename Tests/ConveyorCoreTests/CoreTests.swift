import ConveyorCore
import Foundation
import Testing

@Suite struct ULIDTests {
    @Test func theSameBitsGiveTheSameULID() {
        let bytes: [UInt8] = Array(0..<16)
        #expect(ULID.make(bits: bytes) == "00041061050R3GG28A1C60T3GF")
        #expect(ULID.make(bits: bytes) == ULID.make(bits: bytes))
    }

    @Test func theTimePartComesFirstAndOrdersULIDs() {
        let earlier = ULID.make(milliseconds: 1_700_000_000_000, random: (high: .max, low: .max))
        let later = ULID.make(milliseconds: 1_700_000_000_001, random: (high: 0, low: 0))
        #expect(earlier < later)
        #expect(later == "01HF7YAT01" + String(repeating: "0", count: 16))
    }

    @Test func newULIDsAreValidAndDistinct() {
        let made = (0..<1000).map { _ in ULID.make() }
        #expect(Set(made).count == 1000)
        #expect(made.allSatisfy { ULID.isValid(Substring($0).utf8) })
        #expect(!ULID.isValid(Substring("01HF7YAT01000000000000000I").utf8))
    }
}

@Suite struct RandomUUIDTests {
    @Test func newUUIDsAreVersion4LowercaseAndDistinct() throws {
        let made = (0..<1000).map { _ in RandomUUID.make() }
        #expect(Set(made).count == 1000)
        for text in made {
            let parsed = try #require(UUID(uuidString: text), "\(text) is not a UUID")
            #expect(parsed.uuidString.lowercased() == text)
            #expect(parsed.uuid.6 >> 4 == 4, "the version of \(text)")
            #expect(parsed.uuid.8 >> 6 == 0b10, "the variant of \(text)")
        }
    }
}

@Suite struct FNV1a64Tests {
    @Test func knownValues() {
        #expect(FNV1a64.hash([UInt8]()).hexDigits == "cbf29ce484222325")
        #expect(FNV1a64.hash("a".utf8).hexDigits == "af63dc4c8601ec8c")
        #expect(FNV1a64.hash("foobar".utf8).hexDigits == "85944171f73967e8")
    }
}

@Suite struct TimestampTests {
    @Test func writtenAsRFC3339ToTheMicrosecond() {
        #expect(Timestamp(microseconds: 1_700_000_000_123_456).description == "2023-11-14T22:13:20.123456Z")
        #expect(Timestamp(microseconds: -1).description == "1969-12-31T23:59:59.999999Z")
    }

    /// From 1583: before, Foundation counts Julian days, where RFC 3339 and PostgreSQL extend
    /// the Gregorian calendar backwards, as ``CivilCalendar`` does.
    @Test func writtenAsFoundationWritesISO8601() {
        var generator = SystemRandomNumberGenerator()
        let moments = [0, 951_782_400_000_000, 4_107_542_399_999_999] + (0..<2000).map { _ in
            Int64.random(in: -12_212_553_600_000_000...253_402_300_799_999_999, using: &generator)
        }
        for microseconds in moments {
            // Whole seconds by integer floor division: through a Double, a time late in the range
            // can round up to the next second.
            let (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
            let seconds = remainder < 0 ? quotient - 1 : quotient
            let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
            let fraction = String(microseconds - seconds * 1_000_000)
            let expected = whole.dropLast() + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
            #expect(Timestamp(microseconds: microseconds).description == expected)
        }
    }

    @Test func civilCalendarRoundTrips() {
        for days in [-719_468, -1, 0, 1, 19_675, 2_932_896] {
            let date = CivilCalendar.date(days: days)
            #expect(CivilCalendar.days(year: date.year, month: date.month, day: date.day) == days)
        }
        #expect(CivilCalendar.days(year: 2024, month: 2, day: 29) == 19_782)
    }
}
