/// Where export files are kept: written by export attempts in the workers, served by the API,
/// deleted by the retention sweep.
///
/// ``FolderExportFileStore`` keeps them in a folder of the local disk, the choice for one host;
/// ``PostgresExportFileStore`` keeps them in PostgreSQL, where every host reaches them.
public protocol ExportFileStore: Sendable {
    /// Makes what the store needs before the first file (the folder), so that a store that cannot
    /// work stops the process at start.
    /// - Throws: ``ExportFileError`` saying what is wrong.
    func prepare() async throws

    /// Starts the file `fileName`, which ``open(_:)`` finds only once the writer's
    /// ``ExportFileWriter/finish()`` returned.
    func create(_ fileName: String) async throws -> any ExportFileWriter

    /// The whole file `fileName`, for reading; nil when there is none (it expired, or it was
    /// never finished).
    func open(_ fileName: String) async throws -> (any ExportFileReader)?

    /// Deletes the file `fileName`, whole or not; answers whether it is gone (it may have
    /// been already).
    func remove(_ fileName: String) async throws -> Bool

    /// The files, whole or not, begun longer than `age` ago.
    func files(olderThan age: Duration) async throws -> [StoredExportFile]

    /// Lets go of what the store holds open.
    func shutdown() async
}

/// Writes one export file as its pieces come, counting and hashing them.
public protocol ExportFileWriter: Sendable {
    /// Takes the next piece; the writing may go on after it returns, and its error surfaces at
    /// the next call.
    func write(_ piece: [UInt8]) async throws

    /// Makes the file whole and durable; answers its size and SHA-256.
    func finish() async throws -> ExportDigest.Result

    /// Deletes what was written, after a failure.
    func discard() async
}

/// Reads one whole export file.
public protocol ExportFileReader: Sendable {
    /// Hands the file's bytes to `consumer` in order, in pieces of at most a chunk of the store.
    func read(_ consumer: ([UInt8]) async throws -> Void) async throws
}

/// A file of a store, as the retention sweep sees it.
public struct StoredExportFile: Sendable, Equatable {
    public let name: String
    /// False for a file whose attempt never finished it.
    public let isWhole: Bool
}
