/// An import that ``ImportFinish/finish(_:of:on:)`` finished: its callback is enqueued
/// next, if it has one.
public struct FinishedImport: Sendable, Equatable {
    public let id: String
    /// Where the final record goes; nil for an import without a callback.
    public let callbackURL: String?
}
