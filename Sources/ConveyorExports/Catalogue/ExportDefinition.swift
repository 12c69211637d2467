public import ConveyorCore
public import ConveyorPostgres
import ConveyorQueue

/// One export of the catalogue: a named, parameterised query from `jobs/exports/NAME.sql`,
/// always run for one tenant (its query uses `:tenant`).
public struct ExportDefinition: Sendable {
    /// The file name without `.sql`, e.g. `inventory-by-category`.
    public let name: String
    /// The file's description lines.
    public let description: String
    public let parameters: [ExportParameter]
    public let query: SQLTemplate

    /// The placeholder every query must use, filled with the caller's tenant.
    public static let tenantPlaceholder = "tenant"

    public init(name: String, description: String, parameters: [ExportParameter], query: SQLTemplate) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.query = query
    }

    public func parameter(named name: String) -> ExportParameter? {
        parameters.first { $0.name == name }
    }

    /// Checks the values a request gives against the declared parameters: every required
    /// one present, none unknown, each of its type (JSON null counts as absent).
    ///
    /// - Throws: ``ExportRequestError`` with one issue per bad parameter, each naming it.
    public func arguments(_ values: [String: JSONValue]) throws(ExportRequestError) -> ExportArguments {
        var issues: [ExportRequestError.Issue] = []
        var texts: [String: String] = [:]
        for name in values.keys.sorted() where parameter(named: name) == nil {
            let known = parameters.isEmpty ? "it takes none" : "it takes \(parameters.map(\.name).joined(separator: ", "))"
            issues.append(.parameter(name, "export '\(self.name)' has no parameter '\(name)': \(known)"))
        }
        for parameter in parameters {
            let value = values[parameter.name] ?? .null
            if value == .null {
                if parameter.isRequired {
                    issues.append(.parameter(parameter.name, "is required: give \(parameter.type.expectation)"))
                }
                continue
            }
            guard let text = parameter.type.text(of: value) else {
                let message =
                    if case .string(let text) = value, text.utf8.contains(0) {
                        "must not contain the NUL character (\\u0000)"
                    } else {
                        "must be \(parameter.type.expectation) (a \(parameter.type.rawValue) parameter)"
                    }
                issues.append(.parameter(parameter.name, message))
                continue
            }
            texts[parameter.name] = text
        }
        guard issues.isEmpty else { throw ExportRequestError(issues: issues) }
        return ExportArguments(texts: texts)
    }

    /// The query for `tenant` with `arguments` as typed literals: what the runner hands to COPY.
    public func sql(tenant: String, arguments: ExportArguments) -> String {
        query.render { name in
            if name == Self.tenantPlaceholder { return ExportArguments.literal(tenant, type: .text) }
            let type = parameter(named: name)?.type ?? .text
            return arguments.texts[name].map { ExportArguments.literal($0, type: type) } ?? "NULL::\(type.sqlType)"
        }
    }
}
