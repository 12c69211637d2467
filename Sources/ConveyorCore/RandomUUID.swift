/// Random (version 4) UUIDs in lowercase text, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`: the
/// ids the API gives requests that come without one. Foundation's `UUID()` opens
/// `/dev/urandom` and formats with `sprintf` on every call on Linux; these take their bits
/// from the pool that job ids take theirs from.
public enum RandomUUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A new UUID.
    public static func make() -> String {
        var (high, low) = RandomBitPool.shared.oneHundredTwentyEightBits()
        high = high & ~0xF000 | 0x4000  // the version, 4: random
        low = low & ~(0xC << 60) | (0x8 << 60)  // the variant, RFC 9562's
        return String(unsafeUninitializedCapacity: 36) { characters in
            var position = 0
            func append(_ word: UInt64, dashBefore dashes: (Int, Int)) {
                for nibble in 0..<16 {
                    if nibble == dashes.0 || nibble == dashes.1 {
                        characters[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    characters[position] = hexDigits[Int(word >> UInt64(60 - 4 * nibble) & 0xF)]
                    position += 1
                }
            }
            append(high, dashBefore: (8, 12))
            append(low, dashBefore: (0, 4))
            return position
        }
    }
}
