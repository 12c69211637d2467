/// A chunk of valid rows in COPY text format, as the intake stores it for one batch_create job.
struct SpooledChunk {
    /// From 1, in body order.
    let number: Int
    var rowCount = 0
    /// The line of its first row.
    var firstLine = 0
    var data: [UInt8] = []

    /// The statement that stores chunks, as ``ChunkRows`` writes them.
    static let copyStatement =
        "COPY conveyor_import_chunks (import_id, chunk_number, row_count, first_line, data) FROM STDIN (FORMAT binary)"

    init(number: Int, capacity: Int) {
        self.number = number
        data.reserveCapacity(capacity)
    }
}
