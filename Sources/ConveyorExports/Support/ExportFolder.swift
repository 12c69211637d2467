import Foundation
import Glibc
import NIOPosix

/// The files of the export folder, listed and deleted on a thread of `threadPool`, never on
/// Swift's cooperative threads.
struct ExportFolder: Sendable {
    /// A regular file of the folder.
    struct Entry: Sendable {
        let name: String
        /// When it was last written.
        let modified: Date
    }

    let path: String
    let threadPool: NIOThreadPool

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
                guard lstat("\(path)/\(name)", &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
                entries.append(Entry(name: name, modified: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))))
            }
            return entries
        }
    }

    /// Deletes `fileName`; answers whether it is gone (it may have been already).
    func remove(_ fileName: String) async throws -> Bool {
        let path = "\(self.path)/\(fileName)"
        return try await threadPool.runIfActive { unlink(path) == 0 || errno == ENOENT }
    }
}
