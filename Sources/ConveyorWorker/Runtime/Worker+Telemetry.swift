import ConveyorPostgres
import ConveyorRedis
import Metrics
import Synchronization

extension Worker {
    /// Records what a scrape of the worker's metrics reads at that moment: its slots (busy,
    /// buffered reserved jobs, all) and its PostgreSQL pool.
    public func recordUsage() {
        let (busy, buffered) = slots.withLock { ($0.running, $0.buffered) }
        Gauge(label: "conveyor_worker_process_slots", dimensions: [("state", "busy")]).record(busy)
        Gauge(label: "conveyor_worker_process_slots", dimensions: [("state", "buffered")]).record(buffered)
        Gauge(label: "conveyor_worker_process_slots", dimensions: [("state", "all")]).record(configuration.concurrency)
        database.recordUsage()
    }

    /// Why the worker cannot take work now, or nil when it can: it is stopping, or Redis,
    /// where its jobs are, does not answer.
    public func healthProblem() async -> String? {
        if stopping.load(ordering: .relaxed) { return "the worker is stopping" }
        return await redis.unreachableReason()
    }
}
