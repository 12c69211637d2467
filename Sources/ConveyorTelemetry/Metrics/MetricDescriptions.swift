/// The help text of each metric the modules report through swift-metrics, which has no place
/// for one: Prometheus's `# HELP` line, and what the README's table of metrics says.
public enum MetricDescriptions {
    public static let texts: [String: String] = [
        "conveyor_job_attempts_total": "Attempts this worker ran, by job kind, queue and outcome",
        "conveyor_job_wait_seconds": "Time from a job's enqueue (or retry time) to the start of its attempt, by kind, queue and outcome",
        "conveyor_job_run_seconds": "Run time of this worker's attempts, by kind, queue and outcome",
        "conveyor_job_db_pool_wait_seconds": "Time an attempt waited for a PostgreSQL connection from the pool, by kind, queue and outcome",
        "conveyor_job_db_seconds": "Time an attempt spent in PostgreSQL calls, by kind, queue and outcome",
        "conveyor_job_external_seconds": "Time an attempt spent in external HTTP calls, by kind, queue and outcome",
        "conveyor_job_redis_seconds": "Time an attempt spent in Redis calls of its own, by kind, queue and outcome",
        "conveyor_job_rows_total": "Rows the attempts wrote or read, by kind, queue and outcome",
        "conveyor_job_history_dropped_total": "Job history rows dropped because PostgreSQL could not take them in time",
        "conveyor_worker_zombies": "Attempts that did not stop when told to and still hold a slot of this worker",
        "conveyor_worker_process_slots": "This worker's job slots, busy and all, and the reserved jobs that wait for one (buffered)",
        "conveyor_db_pool_connections": "This process's PostgreSQL connections, by state: in use, idle, or the pool's size",
        "conveyor_db_pool_waiting": "Callers waiting for a PostgreSQL connection from this process's pool",
        "conveyor_external_calls_total": "External HTTP calls of this process, by dependency and outcome",
        "conveyor_outbox_rows_total": "conveyor_outbox rows this process's relay dealt with, by outcome: sent (enqueued and deleted), failed (can never become a job as written), or refused by a full queue for now",
        "conveyor_schedule_ticks_total": "Schedule ticks this scheduler dealt with, by schedule and outcome: enqueued, taken by another scheduler, missed, or failed",
    ]

    /// The help text of `label`, or one that names the metric for a label the table lacks.
    public static func help(for label: String) -> String {
        texts[label] ?? "\(label), reported through swift-metrics"
    }
}
