import ConveyorImports
import Hummingbird

extension Problem {
    /// An import refused at the door, with its bad lines in `errors`.
    init(_ error: ImportError, maxBodyBytes: Int) {
        let issues = error.problems.map { ProblemIssue(line: $0.line, field: $0.field, message: $0.message) }
        switch error.kind {
        case .unknownDataset:
            self = .notFound(error.detail)
        case .bodyTooLarge:
            self = .bodyTooLarge(limit: maxBodyBytes, what: "an import")
        case .unsupportedFormat:
            self.init(status: .unsupportedMediaType, type: "unsupported-format", title: "The body's format is not supported", detail: error.detail)
        case .emptyBody:
            self.init(status: .badRequest, type: "empty-body", title: "The body has no rows", detail: error.detail)
        case .invalidOption:
            self.init(status: .unprocessableContent, type: "invalid-option", title: "A query option is invalid", detail: error.detail)
        case .malformedBody:
            self.init(
                status: .badRequest, type: "malformed-body", title: "The body does not parse", detail: error.description, errors: issues
            )
        case .invalidRows:
            self.init(
                status: .unprocessableContent, type: "invalid-rows", title: "Rows of the import are invalid; nothing was imported",
                detail: error.description, errors: issues
            )
        }
    }
}
