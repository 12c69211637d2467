public import ConveyorQueue
import Foundation

/// How a worker process runs.
public struct WorkerConfiguration: Sendable {
    /// This process's identity in Redis: host, pid and a random suffix.
    public var id: String
    public var queues: QueueWeights
    /// Jobs run at once.
    public var concurrency: Int
    /// The most reserved jobs kept waiting for a slot beyond the running ones (see
    /// `JobSlots`): more make fewer Redis calls per job when jobs are short; fewer leave
    /// more of a short queue to other workers. 0 reserves only for free slots.
    public var prefetch: Int
    /// How long a buffered job may wait for a slot before it is handed back for another
    /// worker: 50 ms, or a tenth of a short lease.
    public var prefetchHold: Duration { min(.milliseconds(50), lease / 10) }
    /// How long a lease lasts without renewal; a dead worker's jobs return after this.
    public var lease: Duration
    /// How often leases are renewed and presence refreshed; a third of the lease.
    public var heartbeatInterval: Duration { lease / 3 }
    /// How long running jobs may take to finish after SIGTERM before they are handed back.
    public var drainTimeout: Duration
    /// How often due scheduled jobs are promoted.
    public var promoteInterval: Duration
    /// How often expired leases are looked for.
    public var recoverInterval: Duration
    /// The most zombies (attempts that did not stop when told to) the worker runs beside
    /// before it takes no more jobs until some return.
    public var zombieLimit: Int
    /// How long before its lease could end an attempt whose lease was not renewed is
    /// stopped by this worker, so that it stops before another worker may take the job.
    public var leaseMargin: Duration { lease / 5 }

    public init(
        queues: QueueWeights,
        concurrency: Int = 10,
        prefetch: Int = 250,
        lease: Duration = .seconds(15),
        drainTimeout: Duration = .seconds(25),
        promoteInterval: Duration = .milliseconds(200),
        recoverInterval: Duration = .seconds(1),
        zombieLimit: Int = 3
    ) {
        self.id = Self.makeID()
        self.queues = queues
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.lease = lease
        self.drainTimeout = drainTimeout
        self.promoteInterval = promoteInterval
        self.recoverInterval = recoverInterval
        self.zombieLimit = zombieLimit
    }

    static func makeID() -> String {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 36)
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }
}
