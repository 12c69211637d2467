import Foundation
import Glibc
public import NIOPosix

/// Export files in a folder of the local disk: the choice for one host, where the API and the
/// workers see the same folder.
public struct FolderExportFileStore: ExportFileStore {
    private let folder: ExportFolder

    /// - Parameter threadPool: where file writes, reads, hashing and deletes run.
    public init(path: String, threadPool: NIOThreadPool = .singleton) {
        self.folder = ExportFolder(path: path, threadPool: threadPool)
    }

    /// Creates the folder, and checks that this process can write to it.
    public func prepare() async throws {
        let path = folder.path
        try await folder.threadPool.runIfActive {
            try ExportFolder.makeFolder(path)
            guard access(path, W_OK | X_OK) == 0 else { throw ExportFileError.system("write to the export folder \(path)", errno: errno) }
        }
    }

    public func create(_ fileName: String) async throws -> any ExportFileWriter {
        try await FolderExportFileWriter.open(folder: folder, fileName: fileName)
    }

    public func open(_ fileName: String) async throws -> (any ExportFileReader)? {
        try await folder.contains(fileName) ? Reader(folder: folder, fileName: fileName) : nil
    }

    public func remove(_ fileName: String) async throws -> Bool {
        try await folder.remove(fileName)
    }

    /// The folder's files last written longer than `age` ago; a file's clock is its last write.
    public func files(olderThan age: Duration) async throws -> [StoredExportFile] {
        let cutoff = Date(timeIntervalSinceNow: -TimeInterval(age.components.seconds))
        return try await folder.files().filter { $0.modified < cutoff }.map { entry in
            StoredExportFile(name: entry.name, isWhole: !entry.name.hasSuffix(ExportFolder.partialSuffix))
        }
    }

    public func shutdown() async {}

    private struct Reader: ExportFileReader {
        let folder: ExportFolder
        let fileName: String

        func read(_ consumer: ([UInt8]) async throws -> Void) async throws {
            try await folder.read(fileName, consumer)
        }
    }
}
