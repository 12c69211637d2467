/// The values one field of a cron expression allows, e.g. the minutes `0,15,30,45`.
///
/// A field is a comma-separated list of items; an item is `*`, a value, or a range
/// `a-b`, each optionally followed by a step `/n` (`*/15`, `1-30/2`, `5/10` = `5-max/10`).
/// Months and days of the week may be written by name (`jan`, `mon-fri`), in any case.
struct CronField: Sendable, Equatable {
    /// What a field holds: its name for errors, its range, and its names.
    struct Kind: Sendable {
        let name: String
        let range: ClosedRange<Int>
        /// Names for values, starting at `range.lowerBound` (`jan` is 1, `sun` is 0).
        let names: [String]

        static let second = Kind(name: "second", range: 0...59, names: [])
        static let minute = Kind(name: "minute", range: 0...59, names: [])
        static let hour = Kind(name: "hour", range: 0...23, names: [])
        static let dayOfMonth = Kind(name: "day-of-month", range: 1...31, names: [])
        static let month = Kind(
            name: "month", range: 1...12,
            names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        )
        /// 0 to 7, both 0 and 7 meaning Sunday, as in Vixie cron.
        static let dayOfWeek = Kind(name: "day-of-week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"])
    }

    /// Bit `n` set: value `n` allowed.
    private let bits: UInt64
    /// Whether the field was written starting with `*` (`*`, `*/5`): cron's rule for
    /// combining day-of-month and day-of-week depends on it.
    let isUnrestricted: Bool

    init(_ text: Substring, kind: Kind) throws(CronSyntaxError) {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            bits |= try Self.parse(item: item, in: text, kind: kind)
        }
        if kind.name == Kind.dayOfWeek.name, bits & (1 << 7) != 0 {
            bits = (bits | 1) & ~(1 << 7)
        }
        self.bits = bits
        self.isUnrestricted = text.hasPrefix("*")
    }

    func contains(_ value: Int) -> Bool {
        bits & (1 << UInt64(value)) != 0
    }

    /// Every allowed value, in order.
    var values: [Int] {
        (0..<64).filter(contains)
    }

    private static func parse(item: Substring, in field: Substring, kind: Kind) throws(CronSyntaxError) -> UInt64 {
        func problem(_ message: String) -> CronSyntaxError {
            CronSyntaxError("\(kind.name) field '\(field)': \(message)")
        }
        guard !item.isEmpty else { throw problem("an empty item; separate values with single commas, e.g. 1,15") }
        let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var step = 1
        if parts.count == 2 {
            guard let value = Int(parts[1]), value >= 1, value <= kind.range.count else {
                throw problem("the step '\(parts[1])' must be a whole number from 1 to \(kind.range.count)")
            }
            step = value
        }
        let base = parts[0]
        let range: ClosedRange<Int>
        if base == "*" {
            range = kind.range
        } else if let dash = base.firstIndex(of: "-") {
            let low = try value(base[..<dash], kind: kind, problem: problem)
            let high = try value(base[base.index(after: dash)...], kind: kind, problem: problem)
            guard low <= high else {
                throw problem("the range '\(base)' runs backwards; write the smaller value first, or two ranges joined by a comma")
            }
            range = low...high
        } else {
            let low = try value(base, kind: kind, problem: problem)
            // `5/10` means from 5 to the end of the range, every 10.
            range = parts.count == 2 ? low...kind.range.upperBound : low...low
        }
        var bits: UInt64 = 0
        for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
            bits |= 1 << UInt64(value)
        }
        return bits
    }

    private static func value(
        _ text: Substring, kind: Kind, problem: (String) -> CronSyntaxError
    ) throws(CronSyntaxError) -> Int {
        if let number = Int(text), kind.range.contains(number) {
            return number
        }
        if let index = kind.names.firstIndex(of: text.lowercased()) {
            return kind.range.lowerBound + index
        }
        let names = kind.names.isEmpty ? "" : " or a name (\(kind.names.joined(separator: ", ")))"
        throw problem("'\(text)' is not a value; use \(kind.range.lowerBound) to \(kind.range.upperBound)\(names)")
    }
}
