/// The names a dataset file may use for its table and columns. Only plain lower-case SQL
/// names are accepted, so that they can go into SQL text (double-quoted) without any risk and
/// mean the same everywhere.
enum Identifier {
    /// `[a-z_][a-z0-9_]*`, at most 63 bytes (PostgreSQL's limit).
    static func isColumnName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, (1...63).contains(name.utf8.count), isLetter(first) || first == UInt8(ascii: "_")
        else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// A column name, or two joined by a dot (`schema.table`).
    static func isQualifiedName(_ name: Substring) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy(isColumnName)
    }

    /// `name` double-quoted for SQL; `schema.table` becomes `"schema"."table"`. Only for names
    /// the checks above accepted, which contain no quotes.
    static func quoted(_ name: String) -> String {
        name.split(separator: ".").map { "\"\($0)\"" }.joined(separator: ".")
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
