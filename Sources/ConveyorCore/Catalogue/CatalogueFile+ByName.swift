extension CatalogueFile {
    /// What each of a catalogue's files describes, by name, for the catalogues whose files must
    /// each describe a name of their own.
    ///
    /// - Parameters:
    ///   - files: each file's path, as errors should name it, and its bytes.
    ///   - item: what a file describes, for the error about a second file with a name already
    ///     read: "export" gives "a second export named 'products'".
    ///   - name: the name of what a file describes.
    ///   - parse: reads one file.
    /// - Throws: ``CatalogueFileError`` from `parse`, or naming the second of two files with one name.
    public static func byName<Item>(
        _ files: [(path: String, contents: [UInt8])], item: String, name: KeyPath<Item, String>,
        parse: (_ path: String, _ contents: [UInt8]) throws(CatalogueFileError) -> Item
    ) throws(CatalogueFileError) -> [String: Item] {
        var byName: [String: Item] = [:]
        for file in files {
            let parsed = try parse(file.path, file.contents)
            guard byName[parsed[keyPath: name]] == nil else {
                throw CatalogueFileError(file: file.path, line: nil, message: "a second \(item) named '\(parsed[keyPath: name])'")
            }
            byName[parsed[keyPath: name]] = parsed
        }
        return byName
    }
}
