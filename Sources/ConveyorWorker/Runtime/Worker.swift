import ConveyorCore
import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Logging
import Metrics
import ServiceLifecycle
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
    private let queue: JobQueue
    private let redis: RedisClient
    private let registry: JobRegistry
    private let database: PostgresPool
    private let external: ExternalClient
    private let logger: Logger
    private let reporter: AttemptReporter
    private let tally: JobMetricsTally
    private let history: JobHistoryWriter
    private let presence: WorkerPresence
    private let completions: CompletionBatcher
    private let running = RunningAttempts()
    private let wake = Doorbell()
    private let drained = Doorbell()
    private let idleGate = IdleGate()
    private let inFlight = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let pausedQueues = Mutex<Set<QueueName>>([])
    private let zombies = Atomic<Int>(0)
    private let zombieGauge: Gauge

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
        self.queue = queue
        self.redis = redis
        self.registry = registry
        self.database = database
        self.external = external
        var logger = logger
        logger[metadataKey: "worker"] = .string(configuration.id)
        self.logger = logger
        self.tally = JobMetricsTally(redis: redis)
        self.history = JobHistoryWriter(database: database, logger: logger)
        self.reporter = AttemptReporter(logger: timingLogger, worker: configuration.id, tally: tally, history: history)
        self.presence = WorkerPresence(redis: redis, configuration: configuration)
        self.completions = CompletionBatcher(queue: queue, logger: logger, retryLimitWhenStopping: configuration.drainTimeout)
        self.zombieGauge = Gauge(label: "conveyor_worker_zombies")
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
            background.addTask { await self.tally.run() }
            background.addTask { await self.history.run() }
            background.addTask { await self.renewLeases() }
            background.addTask { await self.promoteDueJobs() }
            background.addTask { await self.recoverExpiredLeases() }
            background.addTask { await self.sweepOverdueAttempts() }
            background.addTask { await self.watchCancellations() }
            for queue in configuration.queues.queues {
                background.addTask { await self.watchReadyList(of: queue) }
            }

            await withGracefulShutdownHandler {
                await self.fetchJobs()
                await self.drain()
            } onGracefulShutdown: {
                self.beginStopping()
            }

            // Every attempt has returned and awaited its acknowledgement.
            self.beginStopping()
            self.completions.finish()
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

    private func beginStopping() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        logger.info("stopping: no new jobs; running jobs may finish", metadata: ["running": "\(inFlight.load(ordering: .relaxed))"])
        idleGate.close()
        completions.beginStopping()
        wake.ring()
        drained.ring()
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Below this many free slots, the fetch loop waits ``reserveBatchWait`` before it
    /// reserves.
    private var reserveBatchFloor: Int { max(1, configuration.concurrency / 4) }
    private static let reserveBatchWait = Duration.milliseconds(1)

    // MARK: Fetching

    /// Takes jobs while there are free slots, in weighted queue order; sleeps while there
    /// is no work until a ready-list watcher, a freed slot or a promotion wakes it.
    private func fetchJobs() async {
        let clock = ContinuousClock()
        var failures = 0
        while !isStopping {
            if zombies.load(ordering: .relaxed) > configuration.zombieLimit {
                await wake.wait(upTo: .seconds(1))
                continue
            }
            var free = configuration.concurrency - inFlight.load(ordering: .relaxed)
            if free <= 0 {
                await wake.wait()
                continue
            }
            // With only a few slots free, a busy worker waits a moment for more, so that one
            // reserve call carries many jobs: Redis's cost per job falls with the batch.
            if free < reserveBatchFloor {
                try? await Task.sleep(for: Self.reserveBatchWait)
                free = configuration.concurrency - inFlight.load(ordering: .relaxed)
            }
            var started = 0
            do {
                for queueName in configuration.queues.fetchOrder() where started < free {
                    let requested = clock.now
                    let reservation = try await queue.reserve(
                        from: queueName, count: free - started, lease: configuration.lease, worker: configuration.id
                    )
                    let replied = clock.now
                    setPaused(queueName, reservation.paused)
                    for job in reservation.jobs {
                        inFlight.add(1, ordering: .relaxed)
                        startAttempt(job, requestedAt: requested, repliedAt: replied)
                    }
                    started += reservation.jobs.count
                }
                failures = 0
            } catch {
                failures += 1
                logger.warning("cannot take jobs from Redis; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(50 << min(failures, 5), 2000)))
                continue
            }
            if started == 0 {
                idleGate.enterIdle()
                await wake.wait(upTo: .seconds(1))
                idleGate.leaveIdle()
            }
        }
    }

    private func setPaused(_ queue: QueueName, _ paused: Bool) {
        pausedQueues.withLock { set in
            if paused { set.insert(queue) } else { set.remove(queue) }
        }
    }

    /// Blocks on a queue's ready list while the fetch loop is idle, and wakes it when a job
    /// arrives.
    private func watchReadyList(of queueName: QueueName) async {
        let connection = queue.makeWaitingConnection()
        var generation = 0
        while let idle = await idleGate.waitForIdle(from: generation) {
            if pausedQueues.withLock({ $0.contains(queueName) }) {
                try? await Task.sleep(for: .seconds(1))
                generation = idle + 1
                wake.ring()
                continue
            }
            do {
                if try await queue.waitForReadyJob(in: queueName, on: connection, upTo: .seconds(1)) {
                    generation = idle + 1
                    wake.ring()
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        await connection.close()
    }

    // MARK: Running

    /// Starts an attempt as a task of its own, which the timeout sweeper, a lost lease or
    /// shutdown may cancel; it frees its slot once its outcome is recorded.
    private func startAttempt(_ job: ReservedJob, requestedAt: ContinuousClock.Instant, repliedAt: ContinuousClock.Instant) {
        let startedAt = ContinuousClock.now
        let wait = job.reservedAt.since(job.enqueuedAt) + repliedAt.duration(to: startedAt)
        let timings = JobTimings()
        timings.addRedis(requestedAt.duration(to: repliedAt))
        let context = JobContext(
            id: job.id, kind: job.kind, attempt: job.attempt, token: job.token, enqueuedAt: job.enqueuedAt, maxAttempts: job.maxAttempts, requestID: job.requestID,
            tenant: job.tenant, timings: timings, workerLogger: logger, database: database, queue: queue, redis: redis,
            externalClient: external
        )
        running.start(job: job, context: context, startedAt: startedAt, wait: wait, leaseSetAt: requestedAt) {
            Task {
                await self.runAttempt(job, context: context, startedAt: startedAt, wait: wait)
                // Sequentially consistent with beginStopping's exchange and drain's load, so
                // that either this sees the stop and rings, or drain sees the slot freed.
                self.inFlight.subtract(1, ordering: .sequentiallyConsistent)
                self.wake.ring()
                if self.stopping.load(ordering: .sequentiallyConsistent) { self.drained.ring() }
            }
        }
    }

    private func runAttempt(_ job: ReservedJob, context: JobContext, startedAt: ContinuousClock.Instant, wait: Duration) async {
        let kind = registry.kind(named: job.kind)
        let result: Result<String, any Error>
        do {
            guard let kind else { throw UnknownKindError(kind: job.kind, known: registry.names) }
            result = .success(try await kind.run(job.payload, context))
        } catch {
            result = .failure(error)
        }
        let runTime = startedAt.duration(to: .now)
        let (fate, wasZombie) = running.finish(job.lease)
        if wasZombie {
            logger.warning(
                "a zombie attempt returned; its slot is free again",
                metadata: ["job_id": "\(job.id)", "attempt": "\(job.attempt)", "run_ms": "\(runTime.microseconds / 1000)"]
            )
            countZombies()
        }
        switch fate {
        case .timedOut, .handedBack, .leaseLost, .cancelled:
            return  // reported by the party that claimed it
        case nil:
            switch result {
            case .success(let output):
                acknowledge(job, output: output, wait: wait, run: runTime, timings: context.timings)
            case .failure(let deferral as JobDeferral):
                await recordDeferral(job, deferral, wait: wait, run: runTime, timings: context.timings)
            case .failure(let error):
                await recordFailure(
                    job, outcome: .failed, error: error, backoff: kind?.options.backoff ?? RetryBackoff(),
                    wait: wait, run: runTime, timings: context.timings
                )
            }
        }
    }

    /// Hands the completion to the batcher, which reports the attempt once Redis has
    /// answered; the attempt's slot is free meanwhile.
    private func acknowledge(_ job: ReservedJob, output: String, wait: Duration, run: Duration, timings: JobTimings) {
        completions.submit(job.lease, result: output) { answer in
            switch answer {
            case .success(let acknowledgement):
                timings.addRedis(acknowledgement.redisTime)
                if acknowledgement.taken {
                    self.report(job, .succeeded, state: "succeeded", wait: wait, run: run, timings: timings, error: nil)
                } else {
                    self.report(job, .leaseLost, state: "unknown", wait: wait, run: run, timings: timings, error: "completion refused: the lease was lost")
                }
            case .failure(let error):
                self.report(job, .succeeded, state: "unknown", wait: wait, run: run, timings: timings, error: "completion not recorded: \(error)")
            }
        }
    }

    /// Records a failed or timed-out attempt: retry with backoff, or dead. Redis errors
    /// are retried for as long as the lease lasts; after that the job is recovered anyway.
    private func recordFailure(
        _ job: ReservedJob, outcome: AttemptReport.Outcome, error: any Error, backoff: RetryBackoff,
        wait: Duration, run: Duration, timings: JobTimings
    ) async {
        let permanent = error is PermanentJobError
        let message = Self.describe(error)
        let recorded = await withinLease(timings) {
            try await queue.fail(job.lease, error: message, retryIn: backoff.delay(afterAttempt: job.attempt), permanent: permanent)
        }
        switch recorded {
        case .success(.refused):
            report(job, .leaseLost, state: "unknown", wait: wait, run: run, timings: timings, error: message)
        case .success(let result):
            report(job, outcome, state: result.rawValue, wait: wait, run: run, timings: timings, error: message)
        case .failure(let redisError):
            report(job, outcome, state: "unknown", wait: wait, run: run, timings: timings, error: "\(message); not recorded: \(redisError)")
        }
    }

    /// Puts the job back on the schedule without spending the attempt. Redis errors are
    /// retried for as long as the lease lasts; after that the job is recovered anyway (and
    /// then the attempt does count).
    private func recordDeferral(_ job: ReservedJob, _ deferral: JobDeferral, wait: Duration, run: Duration, timings: JobTimings) async {
        switch await withinLease(timings, { try await queue.defer(job.lease, until: deferral.until) }) {
        case .success(true):
            report(job, .deferred, state: "scheduled", wait: wait, run: run, timings: timings, error: deferral.description)
        case .success(false):
            report(job, .leaseLost, state: "unknown", wait: wait, run: run, timings: timings, error: deferral.description)
        case .failure(let redisError):
            let error = "\(deferral.description); not recorded: \(redisError)"
            report(job, .deferred, state: "unknown", wait: wait, run: run, timings: timings, error: error)
        }
    }

    /// Makes the Redis call that records an attempt's end, trying again on errors (50 ms,
    /// doubling to 1 s) for as long as the lease lasts: after that the job is recovered
    /// anyway. The successful call's time counts as the attempt's `redis_ms`.
    private func withinLease<T: Sendable>(
        _ timings: JobTimings, _ call: () async throws -> T
    ) async -> Result<T, any Error> {
        let clock = ContinuousClock()
        let giveUpAt = clock.now + configuration.lease
        var delay = Duration.milliseconds(50)
        while true {
            let start = clock.now
            do {
                let value = try await call()
                timings.addRedis(start.duration(to: clock.now))
                return .success(value)
            } catch {
                guard clock.now < giveUpAt else { return .failure(error) }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            }
        }
    }

    private func report(
        _ job: ReservedJob, _ outcome: AttemptReport.Outcome, state: String, wait: Duration, run: Duration, timings: JobTimings, error: String?
    ) {
        reporter.report(
            AttemptReport(job: job, outcome: outcome, state: state, wait: wait, run: run, figures: timings.figures, error: error)
        )
    }

    /// Reports an attempt that another party claimed while it was still running.
    private func report(claimed attempt: RunningAttempts.Attempt, _ outcome: AttemptReport.Outcome, state: String, error: String?) {
        report(
            attempt.job, outcome, state: state, wait: attempt.wait,
            run: attempt.startedAt.duration(to: .now), timings: attempt.context.timings, error: error
        )
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 2000 ? String(text.prefix(2000)) + "…" : text
    }

    // MARK: Background duties

    /// Cancels attempts past their timeout and records them as failed (to be retried);
    /// stops the attempts whose lease could not be renewed in time; counts zombies.
    private func sweepOverdueAttempts() async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            for attempt in running.claimUnrenewed(lease: configuration.lease, margin: configuration.leaseMargin, at: clock.now) {
                logger.warning("lease not renewed in time; stopping the attempt before another worker takes the job", metadata: ["job_id": "\(attempt.job.id)"])
                let unrenewedFor = attempt.leaseSetAt.duration(to: clock.now).microseconds / 1000
                report(claimed: attempt, .leaseLost, state: "unknown", error: "lease not renewed for \(unrenewedFor) ms: Redis could not be reached")
            }
            for attempt in running.markZombies(at: clock.now) {
                report(
                    claimed: attempt, .zombie, state: "unknown",
                    error: "still running \(Int(RunningAttempts.zombieGrace.components.seconds)) s after it was told to stop: its slot stays taken until it returns"
                )
            }
            countZombies()
            for attempt in running.claimOverdue(at: clock.now) {
                let kind = registry.kind(named: attempt.job.kind)
                let error = TimeoutError(timeout: attempt.job.timeout)
                await recordFailure(
                    attempt.job, outcome: .timedOut, error: error, backoff: kind?.options.backoff ?? RetryBackoff(),
                    wait: attempt.wait, run: attempt.startedAt.duration(to: clock.now), timings: attempt.context.timings
                )
            }
        }
    }

    /// How long an attempt runs before its lease is renewed for the first time, which tells
    /// Redis that the attempt reached this worker (see `recover.lua`); most jobs finish sooner.
    private static let confirmationDelay = Duration.milliseconds(100)

    /// Renews the leases of running attempts and refreshes this worker's presence every
    /// heartbeat, and in between the leases of attempts that have run for
    /// ``confirmationDelay`` unrenewed; stops the attempts whose lease was lost, and those
    /// cancelled.
    private func renewLeases() async {
        let clock = ContinuousClock()
        var nextHeartbeat = clock.now
        while !Task.isCancelled {
            let now = clock.now
            let isHeartbeat = now >= nextHeartbeat
            let leases = isHeartbeat ? running.activeLeases : running.unconfirmedLeases(startedBy: now - Self.confirmationDelay)
            if isHeartbeat { nextHeartbeat = now + configuration.heartbeatInterval }
            if isHeartbeat || !leases.isEmpty {
                do {
                    let renewal = try await queue.renew(leases, for: configuration.lease)
                    let ended = Set(renewal.lost).union(renewal.cancelled)
                    running.renewed(leases.lazy.filter { !ended.contains($0) }, sentAt: now)
                    for attempt in running.claim(.leaseLost, of: Set(renewal.lost)) {
                        logger.warning("lease lost; stopping the attempt", metadata: ["job_id": "\(attempt.job.id)"])
                        report(claimed: attempt, .leaseLost, state: "unknown", error: "lease lost while running")
                    }
                    try await stopCancelled(renewal.cancelled)
                    if isHeartbeat {
                        try await presence.refresh(busy: inFlight.load(ordering: .relaxed), zombies: zombies.load(ordering: .relaxed))
                    }
                } catch {
                    logger.warning("cannot renew leases", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: Self.confirmationDelay)
        }
    }

    /// Looks every half second for running attempts that were cancelled, so that they stop
    /// within a second of the cancel.
    private func watchCancellations() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let leases = running.activeLeases
            guard !leases.isEmpty else { continue }
            do {
                try await stopCancelled(try await queue.cancellations(among: leases))
            } catch {
                logger.warning("cannot look for cancelled jobs", metadata: ["error": "\(error)"])
            }
        }
    }

    private func stopCancelled(_ leases: [JobLease]) async throws {
        guard !leases.isEmpty else { return }
        for attempt in running.claim(.cancelled, of: Set(leases)) {
            logger.info("job cancelled; stopping the attempt", metadata: ["job_id": "\(attempt.job.id)"])
            report(claimed: attempt, .cancelled, state: "cancelled", error: "cancelled while running")
        }
        try await queue.forgetCancellations(leases)
    }

    /// Publishes the number of zombies, and says when it passes the limit or falls back.
    private func countZombies() {
        let count = running.zombieCount
        let before = zombies.exchange(count, ordering: .relaxed)
        zombieGauge.record(count)
        let limit = configuration.zombieLimit
        if count > limit, before <= limit {
            logger.error(
                "taking no more jobs: \(count) attempts did not stop when told to (zombies), more than the limit of \(limit); they hold their slots until they return; restart this worker to free them",
                metadata: ["zombies": "\(count)", "zombie_limit": "\(limit)"]
            )
        } else if count <= limit, before > limit {
            logger.info("taking jobs again: zombies are back within the limit", metadata: ["zombies": "\(count)", "zombie_limit": "\(limit)"])
            wake.ring()
        }
    }

    private func promoteDueJobs() async {
        await repeatEvery(configuration.promoteInterval, "cannot promote due jobs") { queueName in
            if try await self.queue.promoteDue(in: queueName) > 0 { self.wake.ring() }
        }
    }

    private func recoverExpiredLeases() async {
        await repeatEvery(configuration.recoverInterval, "cannot recover expired leases") { queueName in
            let recovered = try await self.queue.recoverExpired(in: queueName)
            if recovered > 0 {
                self.logger.warning("recovered jobs whose lease expired", metadata: ["queue": "\(queueName)", "jobs": "\(recovered)"])
                self.wake.ring()
            }
        }
    }

    private func repeatEvery(_ interval: Duration, _ failure: String, _ body: @Sendable (QueueName) async throws -> Void) async {
        while !Task.isCancelled {
            for queueName in configuration.queues.queues {
                do {
                    try await body(queueName)
                } catch {
                    logger.warning("\(failure)", metadata: ["queue": "\(queueName)", "error": "\(error)"])
                }
            }
            try? await Task.sleep(for: interval)
        }
    }

    // MARK: Shutdown

    /// Waits for running attempts up to the drain timeout, then hands the rest back to
    /// their queues (before cancelling them, so their late calls are refused).
    private func drain() async {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.drainTimeout
        while inFlight.load(ordering: .sequentiallyConsistent) > 0, clock.now < deadline {
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

/// A job whose kind this worker does not know (an older build than the producer's).
/// Retried, since a newer worker may know it; dead once its attempts are spent.
struct UnknownKindError: Error, CustomStringConvertible {
    let kind: String
    let known: [String]
    var description: String { "unknown job kind '\(kind)': this worker knows \(known.joined(separator: ", "))" }
}

/// An attempt that ran past its job's timeout.
struct TimeoutError: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "timed out after \(Int(timeout.milliseconds)) ms" }
}
