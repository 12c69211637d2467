import ConveyorCore
import Foundation

/// The cached values of this deployment, by name.
public struct CacheCatalogue: Sendable {
    private let byName: [String: CachedValue]

    /// Reads cache files (see ``CacheFileParser`` for the format); each value is named
    /// after its file.
    ///
    /// - Parameters:
    ///   - files: each file's path, as errors should name it, and its bytes.
    ///   - environment: where `${VARIABLE}` references in source URLs are looked up.
    /// - Throws: ``CatalogueFileError`` naming the file and line of the first problem.
    public init(
        files: [(path: String, contents: [UInt8])], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CatalogueFileError) {
        var byName: [String: CachedValue] = [:]
        for file in files {
            let value = try CacheFileParser(path: file.path, contents: file.contents, environment: environment).parse()
            guard byName[value.name] == nil else {
                throw CatalogueFileError(file: file.path, line: nil, message: "a second cached value named '\(value.name)'")
            }
            byName[value.name] = value
        }
        self.byName = byName
    }

    /// A catalogue without values.
    public init() {
        byName = [:]
    }

    /// The value named `name`, if there is one.
    public func value(named name: String) -> CachedValue? { byName[name] }

    /// The names of the values, sorted.
    public var names: [String] { byName.keys.sorted() }
}
