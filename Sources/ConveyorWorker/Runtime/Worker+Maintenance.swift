import ConveyorCore
import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// What a worker does beside its attempts: timeouts, lease renewal, cancellations, zombies,
/// promotion of due jobs, recovery of dead workers' jobs.
extension Worker {
    /// Cancels attempts past their timeout and records them as failed (to be retried);
    /// stops the attempts whose lease could not be renewed in time; counts zombies; hands
    /// back the buffered jobs that waited too long for a slot, for other workers to take.
    func sweepOverdueAttempts() async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            // An idle worker looks less often: a first attempt's timeout is seen up to a
            // quarter second late, and its lease cannot run out sooner.
            let idle = running.isEmpty && slots.withLock { $0.buffered == 0 }
            try? await Task.sleep(for: .milliseconds(idle ? 250 : 50))
            let stale = slots.withLock { $0.takeStale(at: clock.now) }
            if !stale.isEmpty {
                await handBack(unstarted: stale, because: "no slot freed for them in time")
                wake.ring()
            }
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
    static let confirmationDelay = Duration.milliseconds(100)

    /// Renews the leases of running attempts and refreshes this worker's presence every
    /// heartbeat, and in between the leases of attempts that have run for
    /// ``confirmationDelay`` unrenewed; stops the attempts whose lease was lost, and those
    /// cancelled.
    func renewLeases() async {
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
                        try await presence.refresh(busy: slots.withLock { $0.running }, zombies: zombies.load(ordering: .relaxed))
                    }
                } catch {
                    logger.warning("cannot renew leases", metadata: ["error": "\(error)"])
                }
            }
            // With nothing running, it sleeps until the next heartbeat or the next attempt's
            // start, whichever comes first.
            if running.isEmpty {
                await attemptStarted.wait(upTo: nextHeartbeat - clock.now)
            }
            try? await Task.sleep(for: Self.confirmationDelay)
        }
    }

    /// Looks every half second for running attempts that were cancelled, so that they stop
    /// within a second of the cancel.
    func watchCancellations() async {
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

    func stopCancelled(_ leases: [JobLease]) async throws {
        guard !leases.isEmpty else { return }
        for attempt in running.claim(.cancelled, of: Set(leases)) {
            logger.info("job cancelled; stopping the attempt", metadata: ["job_id": "\(attempt.job.id)"])
            report(claimed: attempt, .cancelled, state: "cancelled", error: "cancelled while running")
        }
        try await queue.forgetCancellations(leases)
    }

    /// Publishes the number of zombies, and says when it passes the limit or falls back.
    func countZombies() {
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

    func promoteDueJobs() async {
        await repeatEvery(configuration.promoteInterval, "cannot promote due jobs") { queueName in
            if try await self.queue.promoteDue(in: queueName) > 0 { self.wake.ring() }
        }
    }

    func recoverExpiredLeases() async {
        await repeatEvery(configuration.recoverInterval, "cannot recover expired leases") { queueName in
            let recovered = try await self.queue.recoverExpired(in: queueName)
            if recovered > 0 {
                self.logger.warning("recovered jobs whose lease expired", metadata: ["queue": "\(queueName)", "jobs": "\(recovered)"])
                self.wake.ring()
            }
        }
    }

    /// Applies the outcomes of batch members that finished in `shard` to their batches, and
    /// does what they call for (see ``JobQueue/relayBatchOutcomes(in:from:limit:)``): at once
    /// while there are more, else every ``batchRelayInterval``. Every worker of a queue
    /// relays it; a batch counts each outcome once however many relay it.
    func relayBatchOutcomes(of shard: QueueShard) async {
        var cursor = "0"
        while !Task.isCancelled {
            do {
                let pass = try await queue.relayBatchOutcomes(in: shard, from: cursor)
                cursor = pass.cursor
                if pass.applied > 0 || cursor != "0" { continue }
            } catch {
                logger.warning("cannot relay the outcomes of batch jobs", metadata: ["queue": "\(shard)", "error": "\(error)"])
                cursor = "0"
            }
            try? await Task.sleep(for: Self.batchRelayInterval)
        }
    }

    /// How often a worker looks for batch outcomes to relay when it found none.
    static let batchRelayInterval = Duration.milliseconds(250)

    func repeatEvery(_ interval: Duration, _ failure: String, _ body: @Sendable (QueueName) async throws -> Void) async {
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
}
