import ConveyorCore
import Crypto
import Glibc
import NIOPosix
import Synchronization

/// Writes an export file: to a temporary name in the export folder, hashing and counting the
/// bytes as they go, then fsync'd and renamed into place, so that a file under its final
/// name is always whole.
///
/// Writing and hashing run on a thread of `threadPool`, never on Swift's cooperative
/// threads, one piece behind the caller: while a piece is written, the next is read from
/// PostgreSQL. At most two pieces are held at once.
final class ExportFileWriter: Sendable {
    /// What only the pieces' writes touch, one after another (each waits for the one
    /// before), so never two threads at once.
    private final class Output: @unchecked Sendable {
        let descriptor: Int32
        var hasher = Crypto.SHA256()
        var bytes = 0

        init(descriptor: Int32) { self.descriptor = descriptor }

        func write(_ piece: [UInt8]) throws {
            try piece.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw ExportFileError.system("write", errno: errno)
                    }
                    offset += written
                }
                hasher.update(bufferPointer: buffer)
            }
            bytes += piece.count
        }
    }

    let folder: String
    let fileName: String
    private let temporaryPath: String
    private let output: Output
    private let threadPool: NIOThreadPool
    /// The write of the latest piece, awaited before the next one starts.
    private let pending = Mutex<Task<Void, any Error>?>(nil)

    /// Creates the folder if need be and opens a new temporary file in it.
    static func open(folder: String, fileName: String, threadPool: NIOThreadPool) async throws -> ExportFileWriter {
        let temporaryPath = "\(folder)/.\(fileName).\(UInt64.random(in: .min ... .max)).partial"
        let descriptor = try await threadPool.runIfActive {
            try makeFolder(folder)
            let descriptor = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else { throw ExportFileError.system("open \(temporaryPath)", errno: errno) }
            return descriptor
        }
        return ExportFileWriter(folder: folder, fileName: fileName, temporaryPath: temporaryPath, descriptor: descriptor, threadPool: threadPool)
    }

    private init(folder: String, fileName: String, temporaryPath: String, descriptor: Int32, threadPool: NIOThreadPool) {
        self.folder = folder
        self.fileName = fileName
        self.temporaryPath = temporaryPath
        self.output = Output(descriptor: descriptor)
        self.threadPool = threadPool
    }

    /// Starts writing `piece` once the previous piece is written; returns without waiting
    /// for it. Throws the previous piece's error, if it failed.
    func write(_ piece: [UInt8]) async throws {
        try await waitForPendingWrite()
        let (output, threadPool) = (output, threadPool)
        let write = Task { try await threadPool.runIfActive { try output.write(piece) } }
        pending.withLock { $0 = write }
    }

    /// Waits for the last piece, flushes the file to disk, and renames it to its final name.
    /// Answers the bytes written and their SHA-256.
    func finish() async throws -> (bytes: Int, sha256: String) {
        try await waitForPendingWrite()
        let output = self.output
        let (folder, temporaryPath, finalPath) = (folder, temporaryPath, "\(folder)/\(fileName)")
        try await threadPool.runIfActive {
            guard fsync(output.descriptor) == 0 else { throw ExportFileError.system("fsync \(temporaryPath)", errno: errno) }
            guard close(output.descriptor) == 0 else { throw ExportFileError.system("close \(temporaryPath)", errno: errno) }
            guard rename(temporaryPath, finalPath) == 0 else { throw ExportFileError.system("rename to \(finalPath)", errno: errno) }
            // The rename is durable once the folder's entry is.
            let directory = Glibc.open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                _ = fsync(directory)
                close(directory)
            }
        }
        return (output.bytes, Hexadecimal.string(output.hasher.finalize()))
    }

    /// Closes and deletes the temporary file, after a failure.
    func discard() async {
        try? await waitForPendingWrite()
        let (output, temporaryPath) = (output, temporaryPath)
        _ = try? await threadPool.runIfActive {
            close(output.descriptor)
            unlink(temporaryPath)
        }
    }

    private func waitForPendingWrite() async throws {
        let write = pending.withLock { pending in
            defer { pending = nil }
            return pending
        }
        try await write?.value
    }

    private static func makeFolder(_ folder: String) throws {
        var path = folder.hasPrefix("/") ? "" : "."
        for component in folder.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o750) != 0, errno != EEXIST {
                throw ExportFileError.system("create the export folder \(folder)", errno: errno)
            }
        }
    }
}

/// A file operation of an export that failed, with the system's reason.
struct ExportFileError: Error, CustomStringConvertible {
    let description: String

    static func system(_ operation: String, errno code: Int32) -> ExportFileError {
        ExportFileError(description: "could not \(operation): \(String(cString: strerror(code)))")
    }
}
