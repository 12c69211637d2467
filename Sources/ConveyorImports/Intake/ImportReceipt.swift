/// What the intake answers once an import is accepted: its id, to follow its progress, and
/// how it was split.
public struct ImportReceipt: Encodable, Sendable, Equatable {
    public let id: String
    public let dataset: String
    /// `queued`: every chunk waits for a worker.
    public let state: ImportState
    /// Chunks, one job each.
    public let chunks: Int
    public let rows: Int
    public let onConflict: ConflictAction
    public let chunkSize: Int
    /// Where the final record goes once the import finishes, if anywhere.
    public let callbackURL: String?

    enum CodingKeys: String, CodingKey {
        case id, dataset, state, chunks, rows
        case onConflict = "on_conflict"
        case chunkSize = "chunk_size"
        case callbackURL = "callback_url"
    }
}
