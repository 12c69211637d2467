import ConveyorCore
import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorTelemetry
import ConveyorWorker
import Logging

/// What `GET /metrics` answers: this process's own metrics (its swift-metrics instruments,
/// its PostgreSQL pool, the `process_*` figures) and its HTTP metrics; per queue its depth, running,
/// scheduled and dead jobs and its counters; the live workers; per job kind and outcome the
/// attempts and run-time histogram of all workers, from Redis; per external dependency its
/// circuit breaker's state and transitions. When Redis cannot be read, `conveyor_redis_up` is 0 and the figures
/// from Redis are left out, so the scrape still tells what it can.
enum MetricsScrape {
    static func text(services: APIServices, http: HTTPMetrics, logger: Logger) async -> [UInt8] {
        var buffer = await MetricsExposition { services.database.recordUsage() }.text()
        http.emit(into: &buffer)
        var text = PrometheusText()
        do {
            let queues = try await QueueOverview.all(in: services.queue)
            let workers = try await WorkerDirectory.list(from: services.redis)
            let jobs = try await JobMetricsSnapshot.read(from: services.redis)
            let breakers = try await BreakerStatus.all(from: services.redis, transitionLimit: 0)
            text.family("conveyor_redis_up", .gauge, help: "1 when this scrape could read Redis")
            text.sample("conveyor_redis_up", 1)
            write(queues, into: &text)
            write(workers, into: &text)
            write(jobs, into: &text)
            write(breakers, into: &text)
        } catch {
            logger.warning("metrics: cannot read Redis", metadata: ["error": "\(error)"])
            text.family("conveyor_redis_up", .gauge, help: "1 when this scrape could read Redis")
            text.sample("conveyor_redis_up", 0)
        }
        buffer.append(contentsOf: text.text.utf8)
        return buffer
    }

    private static func write(_ queues: [QueueStatistics], into text: inout PrometheusText) {
        let gauges: [(String, String, (QueueStatistics) -> Double)] = [
            ("conveyor_queue_depth", "Jobs ready to run", { Double($0.depth) }),
            ("conveyor_queue_running", "Jobs leased to workers", { Double($0.running) }),
            ("conveyor_queue_scheduled", "Jobs delayed or waiting for a retry", { Double($0.scheduled) }),
            ("conveyor_queue_dead", "Jobs in the dead set", { Double($0.dead) }),
            ("conveyor_queue_paused", "1 while the queue is paused", { $0.paused ? 1 : 0 }),
            ("conveyor_queue_latency_seconds", "How long the oldest ready job has waited", { $0.latency.milliseconds / 1000 }),
        ]
        for (name, help, value) in gauges {
            text.family(name, .gauge, help: help)
            for queue in queues { text.sample(name, [("queue", queue.queue.rawValue)], value(queue)) }
        }
        text.family(
            "conveyor_queue_jobs_total", .counter,
            help: "Jobs of the queue that succeeded, were retried, died, were recovered from a lost worker or were deferred by an open breaker"
        )
        for queue in queues {
            let outcomes = [
                ("succeeded", queue.succeeded), ("retried", queue.retried), ("dead", queue.buried), ("recovered", queue.recovered),
                ("deferred", queue.deferred),
            ]
            for (outcome, count) in outcomes {
                text.sample("conveyor_queue_jobs_total", [("queue", queue.queue.rawValue), ("outcome", outcome)], Double(count))
            }
        }
    }

    private static func write(_ workers: [WorkerDirectory.Entry], into text: inout PrometheusText) {
        text.family("conveyor_workers", .gauge, help: "Live worker processes")
        text.sample("conveyor_workers", Double(workers.count))
        text.family("conveyor_worker_slots", .gauge, help: "Job slots of the live workers: busy, held by zombies (attempts that did not stop when told to), or all")
        text.sample("conveyor_worker_slots", [("state", "busy")], Double(workers.reduce(0) { $0 + $1.busy }))
        text.sample("conveyor_worker_slots", [("state", "zombie")], Double(workers.reduce(0) { $0 + $1.zombies }))
        text.sample("conveyor_worker_slots", [("state", "all")], Double(workers.reduce(0) { $0 + $1.concurrency }))
    }

    private static func write(_ breakers: [BreakerStatus], into text: inout PrometheusText) {
        text.family("conveyor_breaker_state", .gauge, help: "1 for the state each external dependency's circuit breaker is in, 0 for the others")
        for breaker in breakers {
            for state in BreakerState.allCases {
                text.sample("conveyor_breaker_state", [("dependency", breaker.dependency), ("state", state.rawValue)], breaker.state == state ? 1 : 0)
            }
        }
        text.family("conveyor_breaker_transitions_total", .counter, help: "Transitions of each external dependency's circuit breaker, by the state they went to")
        for breaker in breakers {
            for state in BreakerState.allCases {
                text.sample(
                    "conveyor_breaker_transitions_total", [("dependency", breaker.dependency), ("to", state.rawValue)],
                    Double(breaker.transitionCounts[state] ?? 0)
                )
            }
        }
        text.family("conveyor_breaker_window_calls", .gauge, help: "Calls in each closed breaker's rolling window, by outcome")
        for breaker in breakers {
            text.sample("conveyor_breaker_window_calls", [("dependency", breaker.dependency), ("outcome", "success")], Double(breaker.windowSuccesses))
            text.sample("conveyor_breaker_window_calls", [("dependency", breaker.dependency), ("outcome", "failure")], Double(breaker.windowFailures))
        }
    }

    private static func write(_ jobs: JobMetricsSnapshot, into text: inout PrometheusText) {
        text.family("conveyor_job_outcomes_total", .counter, help: "Attempts of every worker, by job kind and outcome")
        for series in jobs.series {
            text.sample("conveyor_job_outcomes_total", [("kind", series.kind), ("outcome", series.outcome)], Double(series.count))
        }
        text.family("conveyor_job_run_duration_seconds", .histogram, help: "Run time of the attempts of every worker, by job kind and outcome")
        for series in jobs.series {
            text.histogram(
                "conveyor_job_run_duration_seconds", [("kind", series.kind), ("outcome", series.outcome)],
                buckets: series.buckets, sum: series.sumSeconds, count: series.count
            )
        }
    }
}
