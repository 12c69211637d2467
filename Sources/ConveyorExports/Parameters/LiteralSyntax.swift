/// Strict checks of the text of parameter values, so that only what PostgreSQL reads
/// exactly one way reaches a query.
enum LiteralSyntax {
    /// `-12`, `3.25`, `1e6`, `-0.5E-3`.
    static func isDecimal(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let whole = bytes.prefix(while: isDigit)
        bytes = bytes.dropFirst(whole.count)
        var fraction = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fraction = bytes.prefix(while: isDigit).count
            bytes = bytes.dropFirst(fraction)
        }
        guard whole.count + fraction > 0 else { return false }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            let exponent = bytes.prefix(while: isDigit).count
            guard exponent > 0, exponent <= 4 else { return false }
            bytes = bytes.dropFirst(exponent)
        }
        return bytes.isEmpty
    }

    /// `YYYY-MM-DD`, a real day of the Gregorian calendar, years 1 to 9999.
    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 10 && isDate(bytes[...])
    }

    /// `YYYY-MM-DDTHH:MM[:SS[.fraction]]` (or a space for `T`) followed by `Z` or an offset
    /// `±HH[:MM]`: an instant, whatever the server's time zone.
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 17, isDate(bytes[0..<10]), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") else {
            return false
        }
        var rest = bytes[11...]
        guard let hour = number(&rest, digits: 2), hour < 24, take(":", &rest), let minute = number(&rest, digits: 2), minute < 60
        else { return false }
        if take(":", &rest) {
            guard let second = number(&rest, digits: 2), second < 60 else { return false }
            if take(".", &rest) {
                let digits = rest.prefix(while: isDigit).count
                guard (1...6).contains(digits) else { return false }
                rest = rest.dropFirst(digits)
            }
        }
        if take("Z", &rest) || take("z", &rest) { return rest.isEmpty }
        guard take("+", &rest) || take("-", &rest), let offsetHours = number(&rest, digits: 2), offsetHours <= 15 else { return false }
        if take(":", &rest) {
            guard let offsetMinutes = number(&rest, digits: 2), offsetMinutes < 60 else { return false }
        }
        return rest.isEmpty
    }

    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        guard let year = number(&rest, digits: 4), year >= 1, take("-", &rest),
            let month = number(&rest, digits: 2), (1...12).contains(month), take("-", &rest),
            let day = number(&rest, digits: 2), day >= 1, rest.isEmpty
        else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    private static func number(_ bytes: inout ArraySlice<UInt8>, digits: Int) -> Int? {
        guard bytes.count >= digits else { return nil }
        var value = 0
        for byte in bytes.prefix(digits) {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        bytes = bytes.dropFirst(digits)
        return value
    }

    private static func take(_ character: Unicode.Scalar, _ bytes: inout ArraySlice<UInt8>) -> Bool {
        guard bytes.first == UInt8(ascii: character) else { return false }
        bytes = bytes.dropFirst()
        return true
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
