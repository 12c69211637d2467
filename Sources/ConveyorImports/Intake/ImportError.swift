/// Why an import was refused at the door. Nothing of it was stored or enqueued.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    /// What kind of mistake, for the HTTP status: unknown dataset 404, empty body or bad
    /// option or malformed body 400, unsupported format 415, body too large 413, invalid rows 422.
    public enum Kind: String, Sendable, Equatable {
        case unknownDataset
        case unsupportedFormat
        case emptyBody
        case bodyTooLarge
        case invalidRows
        case malformedBody
        case invalidOption
    }

    public let kind: Kind
    /// What is wrong and what to do about it, in one sentence or two.
    public let detail: String
    /// For invalid rows and malformed bodies: the first problems, with their lines, in body order.
    public let problems: [RowProblem]

    public init(_ kind: Kind, _ detail: String, problems: [RowProblem] = []) {
        self.kind = kind
        self.detail = detail
        self.problems = problems
    }

    public var description: String {
        problems.isEmpty ? detail : "\(detail): " + problems.map(\.description).joined(separator: "; ")
    }

    /// The error for a request whose `Content-Type` is not one of ``ImportFormat``'s.
    public static func unsupportedFormat(contentType: String?) -> ImportError {
        let given = contentType.map { "'\($0)' is not supported" } ?? "the request has no Content-Type"
        return ImportError(.unsupportedFormat, "\(given): send rows as \(ImportFormat.contentTypes)")
    }
}
