import ConveyorExports
import Foundation
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    @Test("digests match sha256sum for lengths around the block boundaries, fed whole and in uneven pieces")
    func matchesSHA256Sum() async throws {
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 128, 1000, 100_003] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) }
            let path = NSTemporaryDirectory() + "conveyor-sha256-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let output = try await ExportFixture.run("/usr/bin/sha256sum", [path])
            let expected = String(decoding: output.prefix(64), as: UTF8.self)

            var whole = SHA256()
            whole.update(bytes)
            #expect(whole.hexDigest() == expected, "length \(length)")

            var pieces = SHA256()
            var offset = 0
            var size = 1
            while offset < bytes.count {
                let end = min(bytes.count, offset + size)
                pieces.update(Array(bytes[offset..<end]))
                offset = end
                size = size * 3 + 1
            }
            #expect(pieces.hexDigest() == expected, "length \(length) in pieces")
        }
    }
}
