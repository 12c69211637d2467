/// Writes a command in the RESP wire form (`*<count>\r\n`, then `$<length>\r\n<bytes>\r\n` per argument)
/// into one byte array, so that hiredis never formats and never needs a C string per argument.
struct RESPEncoder {
    private(set) var bytes: [UInt8]

    /// Starts a command of `count` arguments, its name included.
    init(argumentCount count: Int, estimatedSize: Int) {
        self.bytes = []
        self.bytes.reserveCapacity(estimatedSize + 16)
        self.bytes.append(UInt8(ascii: "*"))
        self.appendDecimal(count)
        self.appendLineEnd()
    }

    mutating func append(_ argument: RedisArgument) {
        switch argument {
        case .string(let string):
            self.append(string)
        case .bytes(let bytes):
            self.appendBulkHeader(length: bytes.count)
            self.bytes.append(contentsOf: bytes)
            self.appendLineEnd()
        case .integer(let value):
            self.appendBulkHeader(length: Self.decimalLength(of: value))
            self.appendDecimal(value)
            self.appendLineEnd()
        case .double(let value):
            self.append(value.description)
        }
    }

    mutating func append(_ string: String) {
        let utf8 = string.utf8
        self.appendBulkHeader(length: utf8.count)
        self.bytes.append(contentsOf: utf8)
        self.appendLineEnd()
    }

    /// A guess of the bytes `argument` takes on the wire, close enough to reserve capacity once.
    static func estimatedSize(of argument: RedisArgument) -> Int {
        let framing = 16
        switch argument {
        case .string(let string):
            return string.utf8.count + framing
        case .bytes(let bytes):
            return bytes.count + framing
        case .integer, .double:
            return 24 + framing
        }
    }

    private mutating func appendBulkHeader(length: Int) {
        self.bytes.append(UInt8(ascii: "$"))
        self.appendDecimal(length)
        self.appendLineEnd()
    }

    private mutating func appendLineEnd() {
        self.bytes.append(UInt8(ascii: "\r"))
        self.bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func appendDecimal(_ value: Int) {
        if value < 0 {
            self.bytes.append(UInt8(ascii: "-"))
        }
        // The magnitude, unlike the negation, exists for Int.min too.
        var magnitude = value.magnitude
        let start = self.bytes.endIndex
        repeat {
            self.bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        self.bytes[start...].reverse()
    }

    private static func decimalLength(of value: Int) -> Int {
        var length = value < 0 ? 2 : 1
        var magnitude = value.magnitude
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        return length
    }
}
