public import ConveyorCore
public import ConveyorExports
import ConveyorWorker

extension JobCatalogue {
    /// The export files of `jobs/exports/`, embedded in the build. A new export is a file
    /// there and its line here.
    static let exportFiles: [(path: String, contents: [UInt8])] = [
        ("jobs/exports/imports-per-day.sql", PackageResources.imports_per_day_sql),
        ("jobs/exports/inventory-by-category.sql", PackageResources.inventory_by_category_sql),
        ("jobs/exports/job-stats-per-kind.sql", PackageResources.job_stats_per_kind_sql),
        ("jobs/exports/products.sql", PackageResources.products_sql),
    ]

    /// The exports clients may request.
    ///
    /// - Throws: ``CatalogueFileError`` naming the file and line of a mistake.
    public static func exports() throws(CatalogueFileError) -> ExportCatalogue {
        try ExportCatalogue(files: exportFiles)
    }
}
