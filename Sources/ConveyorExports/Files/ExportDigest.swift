import ConveyorCore
import Crypto

/// The size and SHA-256 of a file's bytes, taken as they are written.
public struct ExportDigest: Sendable {
    /// What an export's record keeps of its file's bytes.
    public struct Result: Sendable, Equatable {
        public let bytes: Int
        /// 64 lower-case hexadecimal digits.
        public let sha256: String
    }

    private var hasher = Crypto.SHA256()
    private var bytes = 0

    init() {}

    mutating func update(_ piece: [UInt8]) {
        hasher.update(data: piece)
        bytes += piece.count
    }

    func finalize() -> Result {
        Result(bytes: bytes, sha256: Hexadecimal.string(hasher.finalize()))
    }
}
