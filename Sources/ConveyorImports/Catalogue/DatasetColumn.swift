/// A field that the rows of a dataset carry, loaded into the target table's column of the same name.
public struct DatasetColumn: Sendable, Equatable {
    public let name: String
    public let type: ColumnType
    /// Whether every row must give a value (not null, not empty in CSV).
    public let isRequired: Bool

    public init(name: String, type: ColumnType, isRequired: Bool) {
        self.name = name
        self.type = type
        self.isRequired = isRequired
    }
}
