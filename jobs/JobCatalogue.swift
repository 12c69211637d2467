import ConveyorWorker

/// Every job kind this deployment runs. The worker runs jobs through this registry and
/// the API checks requests against it; a new kind is added here.
public enum JobCatalogue {
    public static func registry() -> JobRegistry {
        var registry = JobRegistry()
        registry.register(NoopJob())
        registry.register(SleepDrillJob())
        registry.register(FailDrillJob())
        return registry
    }
}
