/// Something clients can import: the table its rows go to, the fields a row carries, the
/// natural key that decides whether a row is new, and the column that holds the tenant.
///
/// Rows never carry the tenant: the intake fills the tenant column from the request.
public struct Dataset: Sendable, Equatable {
    /// The name clients import into, as in `POST /v1/imports/{name}`.
    public let name: String
    /// The target table, optionally schema-qualified (`schema.table`).
    public let table: String
    /// The target's column that holds the importing tenant.
    public let tenantColumn: String
    /// The fields of a row, in the order they are loaded.
    public let columns: [DatasetColumn]
    /// The natural key: the target's unique columns that `ON CONFLICT` matches on; may include the tenant column.
    public let key: [String]

    public init(name: String, table: String, tenantColumn: String, columns: [DatasetColumn], key: [String]) {
        self.name = name
        self.table = table
        self.tenantColumn = tenantColumn
        self.columns = columns
        self.key = key
    }

    /// The column named `name`, if rows carry it.
    public func column(named name: String) -> DatasetColumn? {
        columns.first { $0.name == name }
    }
}
