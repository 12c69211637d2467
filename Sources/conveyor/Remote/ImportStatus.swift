/// An import's progress as `GET /v1/imports/{id}` reports it.
struct ImportStatus: Decodable, Sendable {
    struct Chunks: Decodable, Sendable {
        var total: Int
        var done: Int
        var failed: Int
    }

    struct Rows: Decodable, Sendable {
        var total: Int
        var inserted: Int
        var updated: Int
        var skipped: Int
        var failed: Int
    }

    /// A chunk that failed for good, with PostgreSQL's message and the row's line.
    struct ChunkError: Decodable, Sendable {
        var chunk: Int
        var line: Int?
        var message: String
    }

    var id: String
    var state: String
    var chunks: Chunks
    var rows: Rows
    var rowsPerSecond: Int?
    var errors: [ChunkError]

    /// Whether every chunk is loaded or failed.
    var isFinished: Bool {
        ["succeeded", "failed", "partially_failed"].contains(state)
    }

    /// The chunks loaded or failed.
    var chunksEnded: Int {
        chunks.done + chunks.failed
    }

    /// The rows whose chunk ended, whatever became of each.
    var rowsEnded: Int {
        rows.inserted + rows.updated + rows.skipped + rows.failed
    }

    /// The rows now in the table from this import: inserted, or updated in place.
    var rowsLoaded: Int {
        rows.inserted + rows.updated
    }
}
