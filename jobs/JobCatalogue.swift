public import ConveyorExports
public import ConveyorImports
public import ConveyorWorker

/// Every job kind this deployment runs. The worker runs jobs through this registry and
/// the API checks requests against it; a new kind is added here.
public enum JobCatalogue {
    /// - Parameters:
    ///   - exports: how long exports and the job history are kept.
    ///   - exportFiles: where export files are kept (``ExportSettings/makeFileStore(database:logger:)``).
    ///   - imports: how long the records of finished imports are kept.
    /// - Throws: ``CatalogueFileError`` when a dataset, export or cache file of `jobs/` is
    ///   wrong, so that a process refuses to start rather than fail jobs later.
    public static func registry(
        exports: ExportSettings = ExportSettings(), exportFiles: any ExportFileStore = FolderExportFileStore(path: ExportSettings.defaultFolder),
        imports: ImportRetention = ImportRetention()
    ) throws -> JobRegistry {
        var registry = JobRegistry()
        registry.register(NoopJob())
        registry.register(DrillSleepJob())
        registry.register(DrillFailJob())
        registry.register(DrillLedgerJob())
        registry.register(DrillExclusiveJob())
        registry.register(DrillThrottledJob())
        registry.register(DrillLimitedNoopJob())
        registry.register(DrillMeteredNoopJob())
        registry.register(DrillProgressJob())
        registry.register(BatchCreateJob(catalogue: try datasets()))
        registry.register(ImportFinishJob())
        registry.register(ImportCallbackJob())
        registry.register(MetricExportJob(catalogue: try self.exports(), settings: exports, files: exportFiles))
        registry.register(RetentionSweepJob(settings: exports, files: exportFiles, imports: imports))
        registry.register(CacheRefreshJob(catalogue: try caches()))
        return registry
    }
}
