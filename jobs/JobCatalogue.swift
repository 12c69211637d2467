import ConveyorWorker

/// Every job kind this deployment runs. The worker runs jobs through this registry and
/// the API checks requests against it; a new kind is added here.
public enum JobCatalogue {
    /// - Throws: ``CatalogueFileError`` when a dataset file of `jobs/datasets/` is wrong,
    ///   so that a process refuses to start rather than fail imports later.
    public static func registry() throws -> JobRegistry {
        var registry = JobRegistry()
        registry.register(NoopJob())
        registry.register(SleepDrillJob())
        registry.register(FailDrillJob())
        registry.register(BatchCreateJob(catalogue: try datasets()))
        registry.register(ImportCallbackJob())
        return registry
    }
}
