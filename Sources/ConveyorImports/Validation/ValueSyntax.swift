/// Checks of the values that are not text, on their bytes: what PostgreSQL's input functions
/// would accept, so that a bad value is refused at the door with its line rather than failing
/// a chunk later.
enum ValueSyntax {
    /// Whether the bytes are a whole number within `range`: an optional sign, then digits.
    enum WholeNumber {
        case valid
        case notWhole
        case outOfRange
    }

    static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, in range: ClosedRange<Int64>) -> WholeNumber {
        var index = start
        var isNegative = false
        if index < end, bytes[index] == ASCII.minus || bytes[index] == ASCII.plus {
            isNegative = bytes[index] == ASCII.minus
            index += 1
        }
        guard index < end else { return .notWhole }
        // The magnitude, stopping once it passes any limit so that it cannot overflow.
        let limit = isNegative ? range.lowerBound.magnitude : UInt64(range.upperBound)
        var magnitude: UInt64 = 0
        var isTooLarge = false
        while index < end {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) else { return .notWhole }
            if !isTooLarge {
                magnitude = magnitude * 10 + UInt64(byte - ASCII.zero)
                isTooLarge = magnitude > limit
            }
            index += 1
        }
        return isTooLarge ? .outOfRange : .valid
    }

    /// A decimal number as PostgreSQL's `numeric` reads it: `[+-]` digits with an optional
    /// fraction (`12`, `12.5`, `.5`, `12.`), then an optional exponent (`1e-3`).
    static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = start
        if index < end, bytes[index] == ASCII.minus || bytes[index] == ASCII.plus { index += 1 }
        var digits = 0
        while index < end, ASCII.isDigit(bytes[index]) {
            index += 1
            digits += 1
        }
        if index < end, bytes[index] == ASCII.dot {
            index += 1
            while index < end, ASCII.isDigit(bytes[index]) {
                index += 1
                digits += 1
            }
        }
        guard digits > 0 else { return false }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < end, bytes[index] == ASCII.minus || bytes[index] == ASCII.plus { index += 1 }
            let exponentStart = index
            while index < end, ASCII.isDigit(bytes[index]) { index += 1 }
            guard index > exponentStart else { return false }
        }
        return index == end
    }

    /// Whether a JSON number (already in JSON's grammar) has no fraction and no exponent.
    static func isJSONWholeNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        for index in start..<end where bytes[index] == ASCII.dot || bytes[index] | 0x20 == UInt8(ascii: "e") {
            return false
        }
        return true
    }

    /// A CSV boolean, as PostgreSQL spells them: true/false, t/f, yes/no, y/n, on/off, 1/0, in any case.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool? {
        guard end - start <= 5 else { return nil }
        var word = ""
        for index in start..<end { word.unicodeScalars.append(Unicode.Scalar(bytes[index] | 0x20)) }
        switch word {
        case "true", "t", "yes", "y", "on", "1": return true
        case "false", "f", "no", "n", "off", "0": return false
        default: return nil
        }
    }

    /// `YYYY-MM-DD`, a real day of years 1 to 9999.
    static func isDate(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end - start == 10 && datePrefix(bytes, start, end)
    }

    /// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; a space may stand for the `T`, and
    /// `t` and `z` may be lower-case.
    static func isTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 20, datePrefix(bytes, start, end) else { return false }
        let separator = bytes[start + 10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == ASCII.space,
            let hour = twoDigits(bytes, start + 11), hour < 24, bytes[start + 13] == ASCII.colon,
            let minute = twoDigits(bytes, start + 14), minute < 60, bytes[start + 16] == ASCII.colon,
            let second = twoDigits(bytes, start + 17), second < 60
        else { return false }
        var index = start + 19
        if bytes[index] == ASCII.dot {
            index += 1
            let fractionStart = index
            while index < end, ASCII.isDigit(bytes[index]) { index += 1 }
            guard index > fractionStart, index < end else { return false }
        }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return index + 1 == end
        case ASCII.plus, ASCII.minus:
            guard index + 6 == end, let offsetHours = twoDigits(bytes, index + 1), offsetHours < 24,
                bytes[index + 3] == ASCII.colon, let offsetMinutes = twoDigits(bytes, index + 4), offsetMinutes < 60
            else { return false }
            return true
        default:
            return false
        }
    }

    private static func datePrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 10, let century = twoDigits(bytes, start), let yearOfCentury = twoDigits(bytes, start + 2),
            bytes[start + 4] == ASCII.minus, let month = twoDigits(bytes, start + 5), bytes[start + 7] == ASCII.minus,
            let day = twoDigits(bytes, start + 8)
        else { return false }
        let year = century * 100 + yearOfCentury
        guard year >= 1, (1...12).contains(month), day >= 1 else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let daysInMonth = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= daysInMonth
    }

    private static func twoDigits(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int? {
        let tens = bytes[index]
        let ones = bytes[index + 1]
        guard ASCII.isDigit(tens), ASCII.isDigit(ones) else { return nil }
        return Int(tens - ASCII.zero) * 10 + Int(ones - ASCII.zero)
    }
}
