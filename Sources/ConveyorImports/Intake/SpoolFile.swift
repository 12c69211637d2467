import Foundation
import NIOPosix
import Synchronization

/// A temporary file that holds an upload's chunks, in the form `COPY` takes them, between
/// the reading of the body and their storing: the body takes as long as its client takes,
/// and no PostgreSQL connection waits for it. The file loses its name as soon as it is
/// made, so it goes with its descriptor, however the process ends. Reads and writes run on
/// NIO's blocking thread pool, never on the cooperative one.
final class SpoolFile: Sendable {
    private let descriptor: Int32
    private let written = Atomic<Int>(0)

    /// The size of the pieces ``pieces()`` reads.
    static let pieceSize = 1 << 20

    /// Makes the file in `folder` (the system's temporary folder by default).
    init(in folder: String = NSTemporaryDirectory()) throws {
        var template = ((folder.hasSuffix("/") ? folder : folder + "/") + "conveyor-import-XXXXXX").utf8CString
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw SpoolError(folder: folder, code: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Bytes written so far.
    var size: Int { written.load(ordering: .relaxed) }

    /// Appends `bytes` at the end.
    func append(_ bytes: [UInt8]) async throws {
        let offset = size
        try await NIOThreadPool.singleton.runIfActive { [descriptor] in
            var done = 0
            while done < bytes.count {
                let count = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw SpoolError(folder: nil, code: errno) }
                done += count
            }
        }
        written.add(bytes.count, ordering: .relaxed)
    }

    /// The file's bytes from the start, in pieces of ``pieceSize``.
    func pieces() -> Pieces {
        Pieces(file: self)
    }

    struct Pieces: AsyncSequence {
        let file: SpoolFile

        struct AsyncIterator: AsyncIteratorProtocol {
            let file: SpoolFile
            var offset = 0

            mutating func next() async throws -> [UInt8]? {
                let size = file.size
                guard offset < size else { return nil }
                let piece = try await file.read(at: offset, count: Swift.min(SpoolFile.pieceSize, size - offset))
                offset += piece.count
                return piece
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(file: file)
        }
    }

    private func read(at offset: Int, count: Int) async throws -> [UInt8] {
        try await NIOThreadPool.singleton.runIfActive { [descriptor] in
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if read < 0, errno == EINTR { continue }
                guard read > 0 else { throw SpoolError(folder: nil, code: read == 0 ? EIO : errno) }
                done += read
            }
            return bytes
        }
    }
}

/// The spool file could not be made, written or read: a fault of the API's host (a full or
/// missing temporary folder), not of the upload.
struct SpoolError: Error, CustomStringConvertible {
    let folder: String?
    let code: Int32

    var description: String {
        let reason = String(cString: strerror(code))
        return folder.map { "cannot make an import's spool file in \($0): \(reason)" } ?? "the import's spool file failed: \(reason)"
    }
}
