/// An export's record as `POST /v1/exports` and `GET /v1/exports/{id}` answer it.
struct ExportStatus: Decodable, Sendable {
    var id: String
    var state: String
    var error: String?
    var rows: Int?
    var bytes: Int64?
    var sha256: String?
    var fileUrl: String?

    /// Whether the export has its file, or has failed for good.
    var isFinished: Bool {
        state == "succeeded" || state == "failed"
    }
}
