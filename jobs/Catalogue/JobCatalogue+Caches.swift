public import ConveyorCaches
public import ConveyorCore
import ConveyorWorker

extension JobCatalogue {
    /// The cache files of `jobs/caches/`, embedded in the build. A new cached value is a
    /// file there and its line here.
    static let cacheFiles: [(path: String, contents: [UInt8])] = [
        ("jobs/caches/dashboard.sql", PackageResources.dashboard_sql),
        ("jobs/caches/exchange-rates.sql", PackageResources.exchange_rates_sql),
    ]

    private static let cacheCatalogue = Result { () throws(CatalogueFileError) in try CacheCatalogue(files: cacheFiles) }

    /// The cached values the API serves and `cache_refresh` jobs compute.
    ///
    /// - Throws: ``CatalogueFileError`` naming the file and line of a mistake.
    public static func caches() throws(CatalogueFileError) -> CacheCatalogue {
        try cacheCatalogue.get()
    }
}
