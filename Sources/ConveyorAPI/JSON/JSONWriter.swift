import ConveyorCore

/// Writes compact JSON straight into bytes, for the answers the API gives most often: a
/// job's fields in a fixed order, without the cost of an `Encoder`.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The object, closed.
    func finished() -> [UInt8] {
        bytes + [UInt8(ascii: "}")]
    }

    mutating func member(_ name: StaticString, string value: String) {
        key(name)
        JSONString.append(value, to: &bytes)
    }

    mutating func member(_ name: StaticString, string value: String?) {
        guard let value else { return }
        member(name, string: value)
    }

    mutating func member(_ name: StaticString, integer value: some BinaryInteger) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A member whose value is JSON text already.
    mutating func member(_ name: StaticString, json value: some Sequence<UInt8>) {
        key(name)
        bytes.append(contentsOf: value)
    }

    private mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }
}
