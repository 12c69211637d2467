/// Where an import is, from its chunks.
public enum ImportState: String, Encodable, Sendable {
    /// Accepted; no chunk has started.
    case queued
    /// Some chunk has started; not every chunk is done or failed.
    case running
    /// Every chunk is loaded.
    case succeeded
    /// Every chunk failed.
    case failed
    /// Every chunk is loaded or failed, some of each.
    case partiallyFailed = "partially_failed"
}
