import Foundation
import Glibc
import NIOPosix

/// The files of the export folder, listed, read and deleted on a thread of `threadPool`, never
/// on Swift's cooperative threads.
struct ExportFolder: Sendable {
    /// A regular file of the folder.
    struct Entry: Sendable {
        let name: String
        /// When it was last written.
        let modified: Date
    }

    /// Ends the name of a file that an attempt is writing, or left unfinished.
    static let partialSuffix = ".partial"
    /// How much of a file one read hands on.
    static let readSize = 256 * 1024

    let path: String
    let threadPool: NIOThreadPool

    /// The path of `fileName` inside the folder.
    func path(of fileName: String) -> String {
        path.hasSuffix("/") ? path + fileName : path + "/" + fileName
    }

    /// The folder's regular files; none when the folder does not exist yet.
    func files() async throws -> [Entry] {
        let path = self.path
        return try await threadPool.runIfActive {
            guard let directory = opendir(path) else {
                if errno == ENOENT { return [] }
                throw ExportFileError.system("read the export folder \(path)", errno: errno)
            }
            defer { closedir(directory) }
            var entries: [Entry] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                var status = stat()
                guard lstat(self.path(of: name), &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
                entries.append(Entry(name: name, modified: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))))
            }
            return entries
        }
    }

    /// Whether `fileName` is a regular file of the folder.
    func contains(_ fileName: String) async throws -> Bool {
        let path = path(of: fileName)
        return try await threadPool.runIfActive {
            var status = stat()
            return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        }
    }

    /// Hands the bytes of `fileName` to `consumer`, ``readSize`` at a time.
    func read(_ fileName: String, _ consumer: ([UInt8]) async throws -> Void) async throws {
        let path = path(of: fileName)
        let descriptor = try await threadPool.runIfActive {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ExportFileError.system("open \(path)", errno: errno) }
            return descriptor
        }
        defer { close(descriptor) }
        while true {
            let piece = try await threadPool.runIfActive {
                var piece = [UInt8](repeating: 0, count: Self.readSize)
                while true {
                    let count = piece.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                    if count >= 0 {
                        piece.removeLast(piece.count - count)
                        return piece
                    }
                    if errno != EINTR { throw ExportFileError.system("read \(path)", errno: errno) }
                }
            }
            guard !piece.isEmpty else { return }
            try await consumer(piece)
        }
    }

    /// Deletes `fileName`; answers whether it is gone (it may have been already).
    func remove(_ fileName: String) async throws -> Bool {
        let path = path(of: fileName)
        return try await threadPool.runIfActive { unlink(path) == 0 || errno == ENOENT }
    }

    /// Creates `folder` and the folders above it that are missing.
    static func makeFolder(_ folder: String) throws {
        var path = folder.hasPrefix("/") ? "" : "."
        for component in folder.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o750) != 0, errno != EEXIST {
                throw ExportFileError.system("create the export folder \(folder)", errno: errno)
            }
        }
    }
}
