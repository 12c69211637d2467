import ConveyorCore
import ConveyorExports
import ConveyorQueue
import Foundation
import NIOCore

/// The body of `POST /v1/exports`: `{"export": NAME, "format": "csv"|"json", "params": {…}}`,
/// `format` defaulting to csv and `params` to none.
struct ExportSubmission {
    var export: String
    var format: String
    var params: [String: JSONValue]

    /// The most a request body may hold: a name and a few parameters.
    static let maxBodyBytes = 64 * 1024
    private static let example = #"{"export": "inventory-by-category", "format": "csv", "params": {"category": "tools"}}"#

    /// Reads `body`: 400 when it is not a JSON object, 422 naming each field of the wrong type.
    init(body: ByteBuffer) throws(Problem) {
        guard body.readableBytes > 0 else {
            throw .malformedJSON("the body is empty: send a JSON object, e.g. \(Self.example)")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        } catch {
            throw .malformedJSON("the body is not valid JSON: send a JSON object, e.g. \(Self.example)")
        }
        guard case .object(let fields) = value else {
            throw .malformedJSON("the body must be a JSON object, e.g. \(Self.example)")
        }
        var issues: [ProblemIssue] = []
        var export = ""
        switch fields["export"] {
        case .string(let name): export = name
        case nil, .null: issues.append(ProblemIssue(field: "export", message: "is required: name the export, e.g. \"inventory-by-category\""))
        default: issues.append(ProblemIssue(field: "export", message: "must be a string naming the export"))
        }
        var format = ExportFormat.csv.rawValue
        switch fields["format"] {
        case .string(let name): format = name
        case nil, .null: break
        default: issues.append(ProblemIssue(field: "format", message: "must be \(ExportFormat.spellings)"))
        }
        var params: [String: JSONValue] = [:]
        switch fields["params"] {
        case .object(let values): params = values
        case nil, .null: break
        default: issues.append(ProblemIssue(field: "params", message: "must be an object of parameter names to values"))
        }
        for name in fields.keys.sorted() where !["export", "format", "params"].contains(name) {
            issues.append(ProblemIssue(field: name, message: "is not a field of an export request: use export, format and params"))
        }
        guard issues.isEmpty else { throw .invalidExport(issues) }
        self.export = export
        self.format = format
        self.params = params
    }
}
