import Foundation
import Synchronization

/// Universally unique, lexicographically sortable identifiers: 48 bits of milliseconds
/// since the epoch, then 80 random bits, written as 26 Crockford base-32 characters. Job
/// ids, import ids, export ids and lock tokens are all made here.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new ULID of this moment.
    public static func make() -> String {
        make(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), random: RandomBitPool.shared.eightyBits())
    }

    /// The ULID of `milliseconds` whose 80 bits after the time are `random`: a caller that
    /// passes the same bits for the same moment gets the same id.
    public static func make(milliseconds: UInt64, random: (high: UInt16, low: UInt64)) -> String {
        encode(high: (milliseconds << 16) | UInt64(random.high), low: random.low)
    }

    /// The ULID whose 128 bits are the first 16 of `bytes`, big-endian: the same bytes
    /// always give the same ULID.
    public static func make(bits bytes: [UInt8]) -> String {
        precondition(bytes.count >= 16, "a ULID takes 16 bytes")
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return encode(high: high, low: low)
    }

    /// 128 bits as 26 five-bit characters, most significant first; the first one carries
    /// the top 3 bits.
    private static func encode(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 26) { characters in
            for position in 0..<26 {
                let shift = 125 - 5 * position
                let value: UInt64
                if shift >= 64 {
                    value = (high >> UInt64(shift - 64)) & 0x1F
                } else if shift + 5 <= 64 {
                    value = (low >> UInt64(shift)) & 0x1F
                } else {
                    value = ((low >> UInt64(shift)) | (high << UInt64(64 - shift))) & 0x1F
                }
                characters[position] = alphabet[Int(value)]
            }
            return 26
        }
    }

    /// Whether each byte is a character of the alphabet.
    private static let isAlphabetByte: [Bool] = (0..<256).map { alphabet.contains(UInt8($0)) }

    /// Whether `bytes` are 26 characters of the alphabet.
    public static func isValid(_ bytes: Substring.UTF8View) -> Bool {
        bytes.count == 26 && bytes.allSatisfy { isAlphabetByte[Int($0)] }
    }
}

/// The random bits of new ids, read from the kernel's generator 4 KiB at a time: a bulk
/// enqueue of a thousand jobs then makes three system calls for them instead of two
/// thousand, which matters where system calls are slow (a sandboxed kernel).
final class RandomBitPool: Sendable {
    static let shared = RandomBitPool()

    private static let refillBytes = 4096
    private let state = Mutex(Pool())

    private struct Pool {
        var bytes: [UInt8] = []
        var next = 0
    }

    /// 16 and 64 fresh random bits, never handed out before.
    func eightyBits() -> (high: UInt16, low: UInt64) {
        take(10) { bytes in (bytes.loadUnaligned(as: UInt16.self), bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self)) }
    }

    /// 128 fresh random bits, never handed out before.
    func oneHundredTwentyEightBits() -> (high: UInt64, low: UInt64) {
        take(16) { bytes in (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
    }

    /// `read` of the pool's next `count` bytes, which are then spent.
    private func take<Bits: Sendable>(_ count: Int, _ read: @Sendable (UnsafeRawBufferPointer) -> Bits) -> Bits {
        state.withLock { pool in
            if pool.next + count > pool.bytes.count {
                pool.bytes = Self.kernelRandomBytes(Self.refillBytes)
                pool.next = 0
            }
            defer { pool.next += count }
            return pool.bytes.withUnsafeBytes { bytes in read(UnsafeRawBufferPointer(rebasing: bytes[pool.next..<(pool.next + count)])) }
        }
    }

    /// `count` bytes from the system's cryptographic generator, through Swift's
    /// `SystemRandomNumberGenerator` when the device cannot be read.
    private static func kernelRandomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = bytes.withUnsafeMutableBytes { buffer -> Bool in
            let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            guard device >= 0 else { return false }
            defer { close(device) }
            var offset = 0
            while offset < count {
                let read = read(device, buffer.baseAddress! + offset, count - offset)
                if read > 0 {
                    offset += read
                } else if read < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
        if !filled {
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
        }
        return bytes
    }
}
