/// Where an export stands.
public enum ExportState: String, Sendable, Codable {
    /// Accepted; its job waits for a worker (or for a retry).
    case queued
    case running
    /// The file is ready to download until the record's `expires_at`.
    case succeeded
    /// The query failed for good; the record's `error` says why.
    case failed
}
