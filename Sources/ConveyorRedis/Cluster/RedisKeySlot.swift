/// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, modulo 16,384. A key with a
/// hash tag, a non-empty part between its first `{` and the next `}`, is hashed by that part
/// alone, so that `conveyor:{imports}:ready` and `conveyor:{imports}:job:…` share a slot.
public enum RedisKeySlot {
    /// The number of slots of a Redis Cluster.
    public static let count = 16_384

    /// The slot of `key`.
    public static func of(_ key: String) -> UInt16 {
        var key = key
        return key.withUTF8 { bytes in
            UInt16(crc16(hashed(bytes)) & UInt16(count - 1))
        }
    }

    /// The bytes of `key` that decide its slot: its hash tag, or all of it.
    private static func hashed(_ key: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        else {
            return key
        }
        return UnsafeBufferPointer(rebasing: key[(open + 1)..<close])
    }

    private static func crc16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// CRC16-XMODEM (polynomial 0x1021) of each byte value.
    private static let table: [UInt16] = (0..<256).map { value in
        var crc = UInt16(value) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
