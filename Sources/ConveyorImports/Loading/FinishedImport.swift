/// An import whose every chunk is loaded or failed, as a chunk job learns it: the job then
/// enqueues the import's callback, if it has one.
public struct FinishedImport: Sendable, Equatable {
    public let id: String
    /// Where the final record goes; nil for an import without a callback.
    public let callbackURL: String?
}
