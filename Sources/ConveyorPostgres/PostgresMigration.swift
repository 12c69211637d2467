import Foundation

/// One migration file: its name (the file name, which orders migrations), where it is, its SQL and its checksum.
struct PostgresMigration: Sendable {
    let name: String
    let path: String
    let sql: String
    /// FNV-1a 64 of the file's bytes, recorded when applied to notice later edits.
    let checksum: String

    /// Every `*.sql` file directly inside `directories`, in file-name order.
    ///
    /// - Throws: ``PostgresMigrationError`` when a directory cannot be read or two files share a name.
    static func load(from directories: [String]) throws -> [PostgresMigration] {
        var migrations: [String: PostgresMigration] = [:]
        for directory in directories {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw PostgresMigrationError(
                    kind: .unreadable,
                    file: directory,
                    message: "cannot list the migrations directory: \(error.localizedDescription)"
                )
            }
            for name in names where name.hasSuffix(".sql") {
                let path = (directory as NSString).appendingPathComponent(name)
                if let other = migrations[name] {
                    throw PostgresMigrationError(
                        kind: .duplicateName,
                        file: path,
                        message: "has the same name as \(other.path); migration names must be unique"
                    )
                }
                guard let bytes = FileManager.default.contents(atPath: path) else {
                    throw PostgresMigrationError(kind: .unreadable, file: path, message: "cannot read the file")
                }
                migrations[name] = PostgresMigration(
                    name: name,
                    path: path,
                    sql: String(decoding: bytes, as: UTF8.self),
                    checksum: FNV1a64.hash(bytes).hexDigits
                )
            }
        }
        return migrations.values.sorted { $0.name < $1.name }
    }

    /// The 1-based line of the character at the 1-based `position` that a server error points at.
    func line(ofPosition position: Int) -> Int {
        self.sql.prefix(max(0, position - 1)).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}
