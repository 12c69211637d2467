/// The API's answer to an accepted upload: the import's id and its size.
struct ImportReceipt: Decodable, Sendable {
    var id: String
    var chunks: Int
    var rows: Int
}
