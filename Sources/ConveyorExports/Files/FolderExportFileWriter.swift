import Glibc
import NIOPosix

/// Writes an export file of a folder: to a temporary name in the folder, hashing and counting
/// the bytes as they go, then fsync'd and renamed into place, so that a file under its final
/// name is always whole.
///
/// Writing and hashing run on a thread of `threadPool`, never on Swift's cooperative threads,
/// one piece behind the caller (see ``WriteBehind``).
final class FolderExportFileWriter: ExportFileWriter {
    /// What only the pieces' writes touch, one after another, so never two threads at once.
    private final class Output: @unchecked Sendable {
        let descriptor: Int32
        var digest = ExportDigest()

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
            }
            digest.update(piece)
        }
    }

    private let folder: String
    private let fileName: String
    private let temporaryPath: String
    private let output: Output
    private let threadPool: NIOThreadPool
    private let writes = WriteBehind()

    /// Creates the folder if need be and opens a new temporary file in it.
    static func open(folder: ExportFolder, fileName: String) async throws -> FolderExportFileWriter {
        let temporaryPath = folder.path(of: ".\(fileName).\(UInt64.random(in: .min ... .max))\(ExportFolder.partialSuffix)")
        let descriptor = try await folder.threadPool.runIfActive {
            try ExportFolder.makeFolder(folder.path)
            let descriptor = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else { throw ExportFileError.system("open \(temporaryPath)", errno: errno) }
            return descriptor
        }
        return FolderExportFileWriter(folder: folder, fileName: fileName, temporaryPath: temporaryPath, descriptor: descriptor)
    }

    private init(folder: ExportFolder, fileName: String, temporaryPath: String, descriptor: Int32) {
        self.folder = folder.path
        self.fileName = folder.path(of: fileName)
        self.temporaryPath = temporaryPath
        self.output = Output(descriptor: descriptor)
        self.threadPool = folder.threadPool
    }

    func write(_ piece: [UInt8]) async throws {
        let (output, threadPool) = (output, threadPool)
        try await writes.start { try await threadPool.runIfActive { try output.write(piece) } }
    }

    /// Waits for the last piece, flushes the file to disk, and renames it to its final name.
    func finish() async throws -> ExportDigest.Result {
        try await writes.finish()
        let output = self.output
        let (folder, temporaryPath, finalPath) = (folder, temporaryPath, fileName)
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
        return output.digest.finalize()
    }

    func discard() async {
        try? await writes.finish()
        let (output, temporaryPath) = (output, temporaryPath)
        _ = try? await threadPool.runIfActive {
            close(output.descriptor)
            unlink(temporaryPath)
        }
    }
}

/// What an export file store could not do, with the reason.
public struct ExportFileError: Error, CustomStringConvertible {
    public let description: String

    static func system(_ operation: String, errno code: Int32) -> ExportFileError {
        ExportFileError(description: "could not \(operation): \(String(cString: strerror(code)))")
    }
}
