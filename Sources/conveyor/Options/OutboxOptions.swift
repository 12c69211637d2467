import ArgumentParser
import ConveyorJobs
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorWorker
import Logging

/// How a process relays the outboxes' jobs to the queue: the API, the workers and
/// `conveyor outbox relay` each run one relay.
struct OutboxOptions: ParsableArguments {
    @Option(name: .customLong("outbox-interval"), help: "Milliseconds the outbox relay waits before it looks again for rows applications committed to conveyor_outbox, when it found none (env CONVEYOR_OUTBOX_INTERVAL; default 100).")
    var interval: String?

    @Option(name: .customLong("outbox-batch"), help: "conveyor_outbox rows the relay takes, enqueues and deletes in one transaction (env CONVEYOR_OUTBOX_BATCH; default 500).")
    var batch: String?

    /// The relay of both outboxes, checking rows against `registry`.
    func relay(database: PostgresPool, queue: JobQueue, registry: JobRegistry, logger: Logger) throws -> OutboxRelay {
        let interval = try Setting<Int>(flag: "--outbox-interval", variable: "CONVEYOR_OUTBOX_INTERVAL")
            .resolve(self.interval, default: "100") { try parseCount($0, in: 1...60_000) }
        let batch = try Setting<Int>(flag: "--outbox-batch", variable: "CONVEYOR_OUTBOX_BATCH")
            .resolve(self.batch, default: "500") { try parseCount($0, in: 1...10_000) }
        return OutboxRelay(
            jobOutbox: JobOutbox(pool: database, queue: queue),
            outbox: ApplicationOutbox(pool: database, queue: queue, kinds: RegisteredOutboxKinds(registry)),
            logger: logger, interval: .milliseconds(interval), batchSize: batch
        )
    }
}
