public import ConveyorCore
import ConveyorQueue

/// The exports clients may request, read from the files of `jobs/exports/` (see
/// ``ExportFileParser`` for their format) and checked when a process starts.
public struct ExportCatalogue: Sendable {
    private let exports: [String: ExportDefinition]

    /// - Throws: ``CatalogueFileError`` naming the file and line of the first mistake.
    public init(files: [(path: String, contents: [UInt8])]) throws(CatalogueFileError) {
        exports = try CatalogueFile.byName(files, item: "export", name: \.name, parse: ExportFileParser.parse(path:contents:))
    }

    /// The exports' names, sorted.
    public var names: [String] { exports.keys.sorted() }

    public func export(named name: String) -> ExportDefinition? {
        exports[name]
    }

    /// The export `name` and the checked `params` of a request for it.
    ///
    /// - Throws: ``ExportRequestError`` for an unknown export or bad parameters.
    public func resolve(_ name: String, params: [String: JSONValue]) throws(ExportRequestError)
        -> (ExportDefinition, ExportArguments)
    {
        guard let export = exports[name] else {
            throw ExportRequestError(issues: [
                .init(field: "export", message: "there is no export '\(name)': the exports are \(names.joined(separator: ", "))")
            ])
        }
        return (export, try export.arguments(params))
    }
}
