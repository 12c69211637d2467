import ConveyorQueue

/// The job that loads one chunk of an import: its kind and defaults, shared by the intake
/// that enqueues it and the `batch_create` kind in `jobs/` that runs it.
public enum BatchCreate {
    public static let kind = "batch_create"
    public static let maxAttempts = 10
    /// A chunk is at most 100,000 rows or 16 MiB: seconds of work, even on a busy server.
    public static let timeout = Duration.seconds(300)

    /// Which chunk to load.
    public struct Payload: Codable, Sendable, Equatable {
        public var importID: String
        /// From 1.
        public var chunk: Int

        public init(importID: String, chunk: Int) {
            self.importID = importID
            self.chunk = chunk
        }

        enum CodingKeys: String, CodingKey {
            case importID = "import_id"
            case chunk
        }
    }
}
