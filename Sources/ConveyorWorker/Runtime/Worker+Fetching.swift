import ConveyorCore
import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Fetching: the loop that reserves jobs into free slots, and the watchers that wake it.
extension Worker {
    /// Takes jobs while there are free slots, in weighted queue order; sleeps while there
    /// is no work until a ready-list watcher, a freed slot or a promotion wakes it.
    func fetchJobs() async {
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

    func setPaused(_ queue: QueueName, _ paused: Bool) {
        pausedQueues.withLock { set in
            if paused { set.insert(queue) } else { set.remove(queue) }
        }
    }

    /// Blocks on a queue's ready list while the fetch loop is idle, and wakes it when a job
    /// arrives.
    func watchReadyList(of queueName: QueueName) async {
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
}
