public import ConveyorCore
public import Foundation

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
        byName = try CatalogueFile.byName(files, item: "cached value", name: \.name) { path, contents throws(CatalogueFileError) in
            try CacheFileParser.parse(path: path, contents: contents, environment: environment)
        }
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
