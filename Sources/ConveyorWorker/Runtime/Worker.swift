import ConveyorCore
public import ConveyorExternal
public import ConveyorPostgres
public import ConveyorQueue
public import ConveyorRedis
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// A worker process's engine, as a swift-service-lifecycle `Service`: it takes jobs from
/// its queues, runs up to `concurrency` at once through the registry, renews their
/// leases, promotes due jobs, recovers the jobs of dead workers, and on graceful shutdown
/// stops fetching, lets running jobs finish within the drain timeout and hands back the
/// rest. ``run()`` returns once all of that is done.
///
/// An attempt is stopped, through Swift task cancellation, when it passes its timeout,
/// when it is cancelled, and when its lease is lost or can no longer be renewed in time:
/// the worker stops it itself before another worker may take the job. An attempt that
/// does not stop is a zombie (see ``RunningAttempts``); it keeps its slot until it
/// returns, and a worker with more than ``WorkerConfiguration/zombieLimit`` takes no work.
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    let registry: JobRegistry
    let reporter: AttemptReporter
    let tally: JobMetricsTally
    let history: JobHistoryWriter
    let presence: WorkerPresence
    let completions: CompletionBatcher
    let running = RunningAttempts()
    /// The kinds' concurrency and rate limits, which attempts pass before they run.
    let admission: AttemptAdmission
    let wake = Doorbell()
    let drained = Doorbell()
    /// Rung as each attempt starts, for the lease renewer that sleeps while none runs.
    let attemptStarted = Doorbell()
    let idleGate = IdleGate()
    let slots: Mutex<JobSlots<TakenJob>>
    let stopping = Atomic<Bool>(false)
    let pausedQueues = Mutex<Set<QueueName>>([])
    let zombies = Atomic<Int>(0)
    let zombieGauge: Gauge
    /// The clients and logger of the worker, which its attempts' contexts share.
    let attemptResources: AttemptResources
    var queue: JobQueue { attemptResources.queue }
    var redis: RedisClient { attemptResources.redis }
    var database: PostgresPool { attemptResources.database }
    var logger: Logger { attemptResources.logger }
    /// Whether attempts and their phases are traced, as the process's tracer says at start.
    var tracing: Bool { attemptResources.tracing }

    /// - Parameters:
    ///   - queue: where jobs are taken from and their outcomes recorded.
    ///   - redis: the client of everything else the worker keeps in Redis (its presence,
    ///     the job figures) and of the jobs' own Redis calls; usually `queue`'s.
    ///   - external: the client of the jobs' external calls.
    ///   - timingLogger: where the one-line-per-attempt timing log goes.
    public init(
        configuration: WorkerConfiguration,
        queue: JobQueue,
        redis: RedisClient,
        registry: JobRegistry,
        database: PostgresPool,
        external: ExternalClient,
        logger: Logger,
        timingLogger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        var logger = logger
        logger[metadataKey: "worker"] = .string(configuration.id)
        self.admission = AttemptAdmission(calls: LimitCallBatcher(limiter: KindLimiter(redis: redis), lease: configuration.lease, logger: logger))
        self.attemptResources = AttemptResources(
            logger: logger, database: database, queue: queue, redis: redis, externalClient: external, tracing: JobTraceContext.isTracing
        )
        self.tally = JobMetricsTally(redis: redis)
        self.history = JobHistoryWriter(database: database, logger: logger)
        self.reporter = AttemptReporter(logger: timingLogger, worker: configuration.id, tally: tally, history: history)
        self.presence = WorkerPresence(redis: redis, configuration: configuration)
        self.completions = CompletionBatcher(queue: queue, logger: logger, retryLimitWhenStopping: configuration.drainTimeout)
        self.zombieGauge = Gauge(label: "conveyor_worker_zombies")
        self.slots = Mutex(
            JobSlots(concurrency: configuration.concurrency, prefetch: configuration.prefetch, hold: configuration.prefetchHold, now: .now)
        )
    }

    public func run() async throws {
        logger.info(
            "worker started",
            metadata: [
                "queues": "\(configuration.queues)", "concurrency": "\(configuration.concurrency)",
                "kinds": "\(registry.names.joined(separator: ","))",
            ]
        )
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await self.completions.run() }
            background.addTask { await self.admission.calls.run() }
            background.addTask { await self.tally.run() }
            background.addTask { await self.history.run() }
            background.addTask { await self.renewLeases() }
            background.addTask { await self.promoteDueJobs() }
            background.addTask { await self.recoverExpiredLeases() }
            background.addTask { await self.sweepOverdueAttempts() }
            background.addTask { await self.watchCancellations() }
            for shard in configuration.queues.queues.flatMap(queue.shards(of:)) {
                background.addTask { await self.watchReadyList(of: shard) }
                background.addTask { await self.relayBatchOutcomes(of: shard) }
            }

            await withGracefulShutdownHandler {
                await self.fetchJobs()
                await self.drain()
            } onGracefulShutdown: {
                self.beginStopping()
            }

            // Every attempt has returned; their completions are written before the
            // background tasks stop.
            self.beginStopping()
            await self.completions.finish()
            await self.admission.calls.finish()
            background.cancelAll()
        }
        do {
            try await tally.flush()
        } catch {
            logger.warning("could not write the last second's job figures to Redis", metadata: ["error": "\(error)"])
        }
        do {
            try await history.flush()
        } catch {
            logger.warning("could not write the last second's job history to PostgreSQL", metadata: ["error": "\(error)"])
        }
        do {
            try await presence.remove()
        } catch {
            logger.warning("could not remove this worker's entry from Redis; it expires by itself", metadata: ["error": "\(error)"])
        }
        logger.info("worker stopped")
    }

    func beginStopping() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let running = slots.withLock { slots in
            slots.beginStopping()
            return slots.running
        }
        logger.info("stopping: no new jobs; running jobs may finish", metadata: ["running": "\(running)"])
        idleGate.close()
        completions.beginStopping()
        wake.ring()
        drained.ring()
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Hands the buffered jobs back at once; waits for running attempts up to the drain
    /// timeout, then hands the rest back to their queues (before cancelling them, so their
    /// late calls are refused).
    func drain() async {
        await handBack(unstarted: slots.withLock { $0.takeBuffered { _ in true } }, because: "the worker is stopping")
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.drainTimeout
        while slots.withLock({ $0.running }) > 0, clock.now < deadline {
            await drained.wait(upTo: deadline - clock.now)
        }
        let unfinished = running.claimAllForHandBack()
        guard !unfinished.isEmpty else { return }
        do {
            let returned = try await queue.handBack(unfinished.map(\.job.lease))
            logger.warning("drain timeout: handed unfinished jobs back", metadata: ["jobs": "\(returned)"])
            for attempt in unfinished {
                report(claimed: attempt, .handedBack, state: "queued", error: nil)
            }
        } catch {
            logger.error(
                "could not hand unfinished jobs back; they return when their lease expires",
                metadata: ["jobs": "\(unfinished.count)", "error": "\(error)"]
            )
        }
    }
}
