import ConveyorCore
import ConveyorExports
import ConveyorQueue
import Hummingbird

extension Problem {
    /// An export request naming an unknown export or format, or with bad parameters.
    static func invalidExport(_ issues: [ProblemIssue], members: [String: JSONValue] = [:]) -> Problem {
        Problem(
            status: .unprocessableContent, type: "invalid-export", title: "The export request is invalid",
            detail: issues.map { issue in issue.field.map { "\($0): \(issue.message)" } ?? issue.message }.joined(separator: "; "),
            errors: issues, members: members
        )
    }

    /// ``invalidExport(_:members:)`` for what the catalogue refused, with `known_exports`
    /// when the export itself is unknown.
    init(_ error: ExportRequestError, catalogue: ExportCatalogue) {
        let issues = error.issues.map { ProblemIssue(field: $0.field, message: $0.message) }
        let exportIsUnknown = issues.contains { $0.field == "export" }
        self = .invalidExport(issues, members: exportIsUnknown ? ["known_exports": .array(catalogue.names.map(JSONValue.string))] : [:])
    }

    /// A download of an export that has no file yet: queued, running, or failed.
    static func exportNotReady(_ record: ExportRecord) -> Problem {
        switch record.state {
        case .failed:
            return Problem(
                status: .conflict, type: "export-failed", title: "The export failed",
                detail: "export \(record.id) failed (\(record.error ?? "no reason recorded")); request it again once the cause is fixed"
            )
        default:
            return Problem(
                status: .conflict, type: "export-not-ready", title: "The export is not ready",
                detail: "export \(record.id) is \(record.state.rawValue): poll GET /v1/exports/\(record.id) until its state is succeeded",
                headers: [.retryAfter: "1"]
            )
        }
    }

    /// A download of an export whose file has passed its retention.
    static func exportExpired(_ record: ExportRecord) -> Problem {
        Problem(
            status: .gone, type: "export-expired", title: "The export has expired",
            detail: "export \(record.id)'s file expired at \(record.expiresAtText) and was deleted: request the export again"
        )
    }
}
