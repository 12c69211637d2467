/// What loading a chunk did: the batch_create job's result.
public struct BatchCreateOutcome: Encodable, Sendable, Equatable {
    public let importID: String
    public let chunk: Int
    public let inserted: Int
    public let updated: Int
    public let skipped: Int
    /// An earlier delivery of the chunk had loaded it: this one changed nothing, and the
    /// counts are that delivery's.
    public let alreadyLoaded: Bool

    /// The rows this delivery wrote or skipped; none when the chunk was already loaded.
    public var rowsProcessed: Int {
        alreadyLoaded ? 0 : inserted + updated + skipped
    }

    enum CodingKeys: String, CodingKey {
        case importID = "import_id"
        case chunk, inserted, updated, skipped
        case alreadyLoaded = "already_loaded"
    }
}
