public import Logging
public import ServiceLifecycle

/// Moves both outboxes' jobs to the queue, in one loop: the rows applications commit to
/// `conveyor_outbox` (``ApplicationOutbox``) as soon as a cheap probe finds any, every
/// `interval` (0.1 s) or at once while full batches keep coming; and every second the job
/// outbox's entries (``JobOutbox``) that their recorders did not deliver (a process that
/// died, an enqueue that failed). Every API and worker process runs one; any number run at
/// once. Once a minute it deletes the job outbox's entries sent more than a day ago.
public struct OutboxRelay: Service {
    private let jobOutbox: JobOutbox
    private let outbox: ApplicationOutbox
    private let logger: Logger
    private let interval: Duration
    private let batchSize: Int

    public init(jobOutbox: JobOutbox, outbox: ApplicationOutbox, logger: Logger, interval: Duration = .milliseconds(100), batchSize: Int = 500) {
        self.jobOutbox = jobOutbox
        self.outbox = outbox
        self.logger = logger
        self.interval = interval
        self.batchSize = batchSize
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await relay() }
    }

    private func relay() async {
        let clock = ContinuousClock()
        var nextEntries = clock.now
        var nextSweep = clock.now
        while !Task.isCancelled {
            var pause = interval
            do {
                if clock.now >= nextEntries {
                    try await deliverEntries()
                    nextEntries = clock.now + .seconds(1)
                }
                if try await outbox.hasPending() {
                    let pass = try await outbox.relay(limit: batchSize)
                    report(pass)
                    // A full batch says more rows wait: the next pass follows at once.
                    if pass.taken == batchSize { pause = .zero }
                }
                if clock.now >= nextSweep {
                    _ = try await jobOutbox.sweepSent(olderThan: .seconds(24 * 3600))
                    nextSweep = clock.now + .seconds(60)
                }
            } catch {
                logger.warning("cannot read the job outboxes; trying again in a second", metadata: ["error": "\(error)"])
                pause = max(interval, .seconds(1))
            }
            if pause > .zero { try? await Task.sleep(for: pause) }
        }
    }

    private func deliverEntries() async throws {
        let pass = try await jobOutbox.deliverPending()
        if pass.sent > 0 {
            logger.info("sent pending job outbox entries to the queue", metadata: ["entries": "\(pass.sent)"])
        }
        if pass.failed > 0 {
            logger.warning("job outbox entries could not be sent; they are tried again", metadata: ["entries": "\(pass.failed)"])
        }
    }

    private func report(_ pass: ApplicationOutbox.Pass) {
        if pass.sent > 0 {
            logger.debug("sent conveyor_outbox rows to the queue", metadata: ["rows": "\(pass.sent)"])
        }
        if pass.failed > 0 {
            logger.warning("conveyor_outbox rows can never become jobs as written: marked failed (conveyor outbox lists them)", metadata: ["rows": "\(pass.failed)"])
        }
        if pass.refused > 0 {
            logger.warning("the queue refused conveyor_outbox rows for now; they are sent again in a second", metadata: ["rows": "\(pass.refused)"])
        }
    }
}
