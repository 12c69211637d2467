/// A parameter an export declares with a `-- param NAME TYPE required|optional` line; the
/// query refers to it as `:NAME`. An optional parameter left out is NULL of its type.
public struct ExportParameter: Sendable, Equatable {
    public let name: String
    public let type: ParameterType
    public let isRequired: Bool

    public init(name: String, type: ParameterType, isRequired: Bool) {
        self.name = name
        self.type = type
        self.isRequired = isRequired
    }
}
