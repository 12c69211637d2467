public import ConveyorCore
public import ConveyorImports
import ConveyorWorker

extension JobCatalogue {
    /// The dataset files of `jobs/datasets/`, embedded in the build. A new dataset is a file
    /// there, its line here, and its table's migration in `jobs/migrations/`.
    static let datasetFiles: [(path: String, contents: [UInt8])] = [
        ("jobs/datasets/products.dataset", PackageResources.products_dataset),
    ]

    /// The datasets clients may import into.
    ///
    /// - Throws: ``CatalogueFileError`` naming the file and line of a mistake.
    public static func datasets() throws(CatalogueFileError) -> DatasetCatalogue {
        try DatasetCatalogue(files: datasetFiles)
    }
}
