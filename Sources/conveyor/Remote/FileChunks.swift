import Glibc
import NIOCore
import NIOPosix

/// An open file read in pieces on NIO's thread pool, never on Swift's cooperative threads,
/// as a request body that streams from disk: only the piece in flight is in memory.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let descriptor: Int32
    /// The bytes to send: the file's size when it was opened.
    let size: Int64
    /// Told the size of each piece as it is read, for the upload's progress.
    private let onRead: @Sendable (Int) -> Void

    private static let pieceSize = 256 << 10

    func makeAsyncIterator() -> Iterator {
        Iterator(chunks: self)
    }

    /// Reads the next piece from where the last one ended.
    struct Iterator: AsyncIteratorProtocol {
        let chunks: FileChunks
        var offset: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard offset < chunks.size else { return nil }
            let (descriptor, offset) = (chunks.descriptor, offset)
            let count = Int(Swift.min(Int64(FileChunks.pieceSize), chunks.size - offset))
            let piece = try await NIOThreadPool.singleton.runIfActive {
                var piece = ByteBuffer()
                let read = try piece.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { buffer in
                    while true {
                        let read = pread(descriptor, buffer.baseAddress, count, off_t(offset))
                        if read >= 0 { return read }
                        if errno != EINTR { throw FileChunksError.system("read", errno: errno) }
                    }
                }
                guard read > 0 else {
                    throw FileChunksError(description: "the file shrank while it was sent: it ends at byte \(offset), not \(count)")
                }
                return piece
            }
            self.offset += Int64(piece.readableBytes)
            chunks.onRead(piece.readableBytes)
            return piece
        }
    }

    /// Opens `path` for reading and runs `body` with its pieces, closing the file after.
    static func reading<Result>(
        _ path: String, onRead: @escaping @Sendable (Int) -> Void, _ body: (FileChunks) async throws -> Result
    ) async throws -> Result {
        let (descriptor, size) = try await NIOThreadPool.singleton.runIfActive {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw FileChunksError.system("open \(path)", errno: errno) }
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                close(descriptor)
                throw FileChunksError.system("read \(path)", errno: errno)
            }
            return (descriptor, Int64(status.st_size))
        }
        defer { close(descriptor) }
        return try await body(FileChunks(descriptor: descriptor, size: size, onRead: onRead))
    }
}

/// A file of rows that could not be read.
struct FileChunksError: Error, CustomStringConvertible {
    let description: String

    static func system(_ operation: String, errno code: Int32) -> FileChunksError {
        FileChunksError(description: "could not \(operation): \(String(cString: strerror(code)))")
    }
}
