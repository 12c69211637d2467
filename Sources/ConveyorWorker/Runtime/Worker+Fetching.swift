import ConveyorCore
import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A job as a reserve call returned it, with the times of the call. A class: it passes
/// through the buffer and into its attempt by reference, not as copies of its strings.
final class TakenJob: Sendable {
    let job: ReservedJob
    /// When the reserve was sent: the job's lease lasts at least until then plus its length.
    let requestedAt: ContinuousClock.Instant
    let repliedAt: ContinuousClock.Instant
    /// The call's time that counts as the attempt's Redis time.
    let redisTime: Duration

    init(job: ReservedJob, requestedAt: ContinuousClock.Instant, repliedAt: ContinuousClock.Instant, redisTime: Duration) {
        self.job = job
        self.requestedAt = requestedAt
        self.repliedAt = repliedAt
        self.redisTime = redisTime
    }
}

/// Fetching: the loop that keeps the slots and the prefetch buffer filled, and the watchers
/// that take a job for an idle worker the moment it arrives.
extension Worker {
    /// Reserves jobs, in weighted queue order, while ``JobSlots`` asks for them; sleeps
    /// while there is no work until a ready-list watcher, an ending attempt or a promotion
    /// wakes it.
    func fetchJobs() async {
        let clock = ContinuousClock()
        var rotation = QueueRotation(configuration.queues)
        var failures = 0
        while !isStopping {
            if isOverZombieLimit {
                await wake.wait(upTo: .seconds(1))
                continue
            }
            guard var request = slots.withLock({ $0.request(at: clock.now) }) else {
                await wake.wait()
                continue
            }
            // With few jobs to ask for, a worker waits a moment for more, so that one reserve
            // call carries many: Redis's cost per job falls with the batch.
            if request.total < reserveBatchFloor {
                try? await Task.sleep(for: Self.reserveBatchWait)
                request = slots.withLock { $0.request(at: clock.now) } ?? request
            }
            var taken = 0
            do {
                for queueName in rotation.next() where request.total > 0 {
                    let requested = clock.now
                    let reservation = try await queue.reserve(
                        from: queueName, count: request.forSlots, prefetch: request.forBuffer,
                        lease: configuration.lease, worker: configuration.id
                    )
                    let replied = clock.now
                    await take(reservation, from: queueName, requestedAt: requested, repliedAt: replied, redisTime: requested.duration(to: replied))
                    taken += reservation.jobs.count
                    let forSlots = min(request.forSlots, reservation.jobs.count)
                    request.forSlots -= forSlots
                    request.forBuffer = max(0, request.forBuffer - (reservation.jobs.count - forSlots))
                }
                failures = 0
            } catch {
                failures += 1
                logger.warning("cannot take jobs from Redis; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(50 << min(failures, 5), 2000)))
                continue
            }
            if taken == 0 {
                idleGate.enterIdle()
                await wake.wait(upTo: .seconds(1))
                idleGate.leaveIdle()
            }
        }
    }

    /// Below this many jobs to ask for, the fetch loop waits ``reserveBatchWait`` before it
    /// reserves.
    var reserveBatchFloor: Int { max(1, configuration.concurrency / 4) }
    static let reserveBatchWait = Duration.milliseconds(1)

    /// Starts what fits the free slots and buffers the rest; hands back at once what a
    /// paused queue or a stopping worker will not run.
    func take(
        _ reservation: JobQueue.Reservation, from queueName: QueueName,
        requestedAt: ContinuousClock.Instant, repliedAt: ContinuousClock.Instant, redisTime: Duration
    ) async {
        setPaused(queueName, reservation.paused)
        if reservation.paused {
            await handBack(unstarted: slots.withLock { $0.takeBuffered { $0.job.id.queue == queueName } }, because: "its queue was paused")
        }
        guard !reservation.jobs.isEmpty else { return }
        let jobs = reservation.jobs.map { TakenJob(job: $0, requestedAt: requestedAt, repliedAt: repliedAt, redisTime: redisTime) }
        // A reserve sent before the zombies passed the limit may return after: its jobs wait,
        // and go back when they have waited too long.
        let mayStart = !isOverZombieLimit
        for job in slots.withLock({ $0.reserved(jobs, at: repliedAt, mayStart: mayStart) }) { startAttempt(job) }
        if isStopping {
            await handBack(unstarted: slots.withLock { $0.takeBuffered { _ in true } }, because: "the worker is stopping")
        }
    }

    /// Returns reserved jobs that never started to the head of their queues, in their
    /// order, without spending an attempt.
    func handBack(unstarted jobs: [TakenJob], because reason: String) async {
        guard !jobs.isEmpty else { return }
        do {
            // Each goes to the head in turn, so the first must go last.
            try await queue.handBack(jobs.reversed().map(\.job.lease))
            logger.debug("handed back jobs that did not start", metadata: ["jobs": "\(jobs.count)", "reason": "\(reason)"])
        } catch {
            logger.warning(
                "could not hand back jobs that did not start; they return when their lease expires, their attempt unspent",
                metadata: ["jobs": "\(jobs.count)", "reason": "\(reason)", "error": "\(error)"]
            )
        }
    }

    /// More attempts than the limit did not stop when told to: the worker takes no jobs.
    var isOverZombieLimit: Bool { zombies.load(ordering: .relaxed) > configuration.zombieLimit }

    func setPaused(_ queue: QueueName, _ paused: Bool) {
        pausedQueues.withLock { set in
            if paused { set.insert(queue) } else { set.remove(queue) }
        }
    }

    /// While the fetch loop is idle, blocks on the ready list of a queue (of one shard of a
    /// sharded queue, each of which has a watcher) and reserves from it in the same round trip
    /// once a job arrives; the fetch loop takes over from there.
    func watchReadyList(of shard: QueueShard) async {
        let queueName = shard.queue
        let connection = queue.makeWaitingConnection()
        let clock = ContinuousClock()
        var generation = 0
        while let idle = await idleGate.waitForIdle(from: generation) {
            if isOverZombieLimit || pausedQueues.withLock({ $0.contains(queueName) }) {
                try? await Task.sleep(for: .seconds(1))
                generation = idle + 1
                wake.ring()
                continue
            }
            guard let request = slots.withLock({ $0.request(at: clock.now) }) else {
                generation = idle + 1
                continue
            }
            do {
                let sent = clock.now
                let reservation = try await queue.reserveWhenReady(
                    from: shard, count: request.forSlots, prefetch: request.forBuffer, lease: configuration.lease,
                    worker: configuration.id, on: connection, upTo: .seconds(1)
                )
                // The leases began no sooner than the wait after the call was sent; the call's
                // time was mostly that wait, and the reserve itself ran at once.
                await take(reservation, from: queueName, requestedAt: sent + reservation.waited, repliedAt: clock.now, redisTime: .zero)
                if !reservation.jobs.isEmpty || reservation.paused {
                    generation = idle + 1
                    wake.ring()
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        await connection.close()
    }
}
