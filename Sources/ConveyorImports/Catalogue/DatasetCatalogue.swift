public import ConveyorCore

/// The datasets clients may import into, by name.
public struct DatasetCatalogue: Sendable {
    private let datasets: [String: Dataset]

    /// A catalogue of datasets already built; two with one name is a programming error.
    public init(_ datasets: [Dataset]) {
        var byName: [String: Dataset] = [:]
        for dataset in datasets {
            precondition(byName[dataset.name] == nil, "dataset '\(dataset.name)' is in the catalogue twice")
            byName[dataset.name] = dataset
        }
        self.datasets = byName
    }

    /// Reads dataset files (see ``DatasetFileParser`` for the format). Each dataset is named
    /// after its file: `products.dataset` describes `products`.
    ///
    /// - Parameter files: each file's path, as errors should name it, and its bytes.
    /// - Throws: ``CatalogueFileError`` naming the file and line of the first problem.
    public init(files: [(path: String, contents: [UInt8])]) throws(CatalogueFileError) {
        self.init(try files.map { file throws(CatalogueFileError) in try DatasetFileParser.parse(path: file.path, contents: file.contents) })
    }

    /// The dataset named `name`, if there is one.
    public func dataset(named name: String) -> Dataset? {
        datasets[name]
    }

    /// The names of the datasets, sorted.
    public var names: [String] {
        datasets.keys.sorted()
    }
}
