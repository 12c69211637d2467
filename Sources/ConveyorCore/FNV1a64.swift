/// The 64-bit FNV-1a hash: stable across processes and platforms, unlike `Hasher`, so it can be
/// stored (migration checksums, schedule job ids) and shared between processes (advisory lock keys).
public struct FNV1a64: Sendable {
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    public private(set) var value = FNV1a64.offsetBasis

    public init() {}

    public mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            self.value = (self.value ^ UInt64(byte)) &* FNV1a64.prime
        }
    }

    /// The hash as 16 lowercase hexadecimal digits.
    public var hexDigits: String {
        let digits = String(self.value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> FNV1a64 where Bytes.Element == UInt8 {
        var hasher = FNV1a64()
        hasher.combine(bytes)
        return hasher
    }
}
