/// The column names of one result, shared by all its rows, with a lookup by name.
final class PostgresColumns: Sendable {
    let names: [String]
    /// When a result repeats a name, the first column with it wins, as in most SQL clients.
    private let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        self.indexByName = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func index(of name: String) -> Int? {
        self.indexByName[name]
    }
}
