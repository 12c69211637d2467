import ConveyorCore
import Foundation

/// One migration: its name (the file name, which orders migrations), where it comes from, its
/// SQL and its checksum. Modules embed the migrations of the tables they own, as
/// `(name, bytes)` of their `Migrations/*.sql`; folders add the operator's own.
public struct PostgresMigration: Sendable {
    public let name: String
    /// The file, named in errors.
    public let path: String
    let sql: String
    /// FNV-1a 64 of the file's bytes, recorded when applied to notice later edits.
    let checksum: String

    /// The migration of file `name` (such as `0001_imports.sql`) in `folder`, whose SQL is `contents`.
    public init(name: String, in folder: String, contents: [UInt8]) {
        self.name = name
        self.path = (folder as NSString).appendingPathComponent(name)
        self.sql = String(decoding: contents, as: UTF8.self)
        self.checksum = FNV1a64.hash(contents).hexDigits
    }

    /// `embedded` and every `*.sql` file directly inside `directories`, in name order.
    ///
    /// - Throws: ``PostgresMigrationError`` when a directory cannot be read or two migrations share a name.
    static func load(_ embedded: [PostgresMigration], from directories: [String]) throws -> [PostgresMigration] {
        var migrations: [String: PostgresMigration] = [:]
        func add(_ migration: PostgresMigration) throws(PostgresMigrationError) {
            if let other = migrations[migration.name] {
                throw PostgresMigrationError(
                    kind: .duplicateName, file: migration.path,
                    message: "has the same name as \(other.path); migration names must be unique"
                )
            }
            migrations[migration.name] = migration
        }
        for migration in embedded { try add(migration) }
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
                guard let bytes = FileManager.default.contents(atPath: path) else {
                    throw PostgresMigrationError(kind: .unreadable, file: path, message: "cannot read the file")
                }
                try add(PostgresMigration(name: name, in: directory, contents: Array(bytes)))
            }
        }
        return migrations.values.sorted { $0.name < $1.name }
    }

    /// The 1-based line of the character at the 1-based `position` that a server error points at.
    func line(ofPosition position: Int) -> Int {
        self.sql.prefix(max(0, position - 1)).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}
