import Glibc
import NIOPosix

/// The files of the export folder, deleted on a thread of `threadPool`, never on Swift's
/// cooperative threads.
struct ExportFolder: Sendable {
    let path: String
    let threadPool: NIOThreadPool

    /// Deletes `fileName`; answers whether it is gone (it may have been already).
    func remove(_ fileName: String) async throws -> Bool {
        let path = "\(self.path)/\(fileName)"
        return try await threadPool.runIfActive { unlink(path) == 0 || errno == ENOENT }
    }
}
