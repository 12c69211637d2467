public import Logging
public import ServiceLifecycle

/// Moves the job outbox's pending entries to the queue every second: those whose
/// recorder died before it delivered them, and those whose enqueue failed. Every API and
/// worker process runs one; any number run at once (see ``JobOutbox``). Once a minute it
/// deletes the entries sent more than a day ago.
public struct OutboxRelay: Service {
    private let outbox: JobOutbox
    private let logger: Logger
    private let interval: Duration

    public init(outbox: JobOutbox, logger: Logger, interval: Duration = .seconds(1)) {
        self.outbox = outbox
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await relay() }
    }

    private func relay() async {
        let clock = ContinuousClock()
        var nextSweep = clock.now
        while !Task.isCancelled {
            do {
                let pass = try await outbox.deliverPending()
                if pass.sent > 0 {
                    logger.info("sent pending outbox entries to the queue", metadata: ["entries": "\(pass.sent)"])
                }
                if pass.failed > 0 {
                    logger.warning("outbox entries could not be sent; they are tried again", metadata: ["entries": "\(pass.failed)"])
                }
                if clock.now >= nextSweep {
                    _ = try await outbox.sweepSent(olderThan: .seconds(24 * 3600))
                    nextSweep = clock.now + .seconds(60)
                }
            } catch {
                logger.warning("cannot read the job outbox", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
