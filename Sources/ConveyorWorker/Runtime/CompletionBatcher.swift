import ConveyorQueue
import Logging
import Synchronization

/// Gathers the completions of finished attempts and writes them in batches: while one
/// batch is in flight to Redis the next one fills, so a busy worker acknowledges many
/// jobs per round trip and an idle one acknowledges each at once. An attempt hands its
/// completion over and frees its slot at once; what Redis answered is passed to the
/// completion's handler.
final class CompletionBatcher: Sendable {
    struct Acknowledgement: Sendable {
        /// False when Redis refused the completion: the attempt had lost its lease.
        var taken: Bool
        /// The round trip that carried it.
        var redisTime: Duration
    }

    private struct Pending {
        var lease: JobLease
        var result: String
        var progress: JobQueue.ProgressRecord?
        var handler: @Sendable (Result<Acknowledgement, any Error>) -> Void
    }

    private struct State {
        var pending: [Pending] = []
        /// Since when the worker is stopping: from then on a batch that cannot be written
        /// is given up after `retryLimitWhenStopping`.
        var stoppingSince: ContinuousClock.Instant?
    }

    private let queue: JobQueue
    private let logger: Logger
    private let state = Mutex(State())
    private let bell = Doorbell()
    private let ending = RunEnding()
    /// How long to keep retrying a batch while Redis is unreachable once the worker is
    /// stopping; until then it retries for as long as it takes.
    private let retryLimitWhenStopping: Duration

    init(queue: JobQueue, logger: Logger, retryLimitWhenStopping: Duration) {
        self.queue = queue
        self.logger = logger
        self.retryLimitWhenStopping = retryLimitWhenStopping
    }

    /// Queues a completion, with the attempt's last progress report if it has one not written
    /// yet, which is written before it; `handler` runs once it is written, or given up.
    func submit(
        _ lease: JobLease, result: String, progress: JobQueue.ProgressRecord?,
        then handler: @escaping @Sendable (Result<Acknowledgement, any Error>) -> Void
    ) {
        state.withLock { $0.pending.append(Pending(lease: lease, result: result, progress: progress, handler: handler)) }
        bell.ring()
    }

    /// Writes batches until ``finish()`` is called and nothing is pending.
    func run() async {
        let clock = ContinuousClock()
        while true {
            let finishing = ending.isRequested
            let batch = state.withLock { state in
                defer { state.pending = [] }
                return state.pending
            }
            if batch.isEmpty {
                if finishing {
                    ending.ended()
                    return
                }
                await bell.wait()
                continue
            }
            var delay = Duration.milliseconds(50)
            while true {
                let start = clock.now
                do {
                    // Before the completions, which end the attempts' fences.
                    let progress = batch.compactMap(\.progress)
                    if !progress.isEmpty { _ = try await queue.recordProgress(progress) }
                    let taken = try await queue.complete(batch.map { (lease: $0.lease, result: $0.result) })
                    let redisTime = start.duration(to: clock.now)
                    for (entry, taken) in zip(batch, taken) {
                        entry.handler(.success(Acknowledgement(taken: taken, redisTime: redisTime)))
                    }
                    break
                } catch {
                    let stoppingSince = state.withLock { $0.stoppingSince }
                    let givingUp = Task.isCancelled || stoppingSince.map { $0.duration(to: clock.now) > retryLimitWhenStopping } ?? false
                    logger.warning(
                        "cannot record completed jobs; \(givingUp ? "giving up" : "retrying")",
                        metadata: ["jobs": "\(batch.count)", "error": "\(error)"]
                    )
                    if givingUp {
                        for entry in batch { entry.handler(.failure(error)) }
                        break
                    }
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(1))
                }
            }
        }
    }

    /// The worker is stopping: completions that cannot be written within the retry limit
    /// from now are given up (their jobs come back when their lease expires), so that a
    /// Redis outage cannot hold the process for ever.
    func beginStopping() {
        state.withLock { $0.stoppingSince = $0.stoppingSince ?? ContinuousClock.now }
    }

    /// Lets ``run()`` return once everything pending is written, and waits until it has.
    func finish() async {
        await ending.finish(ringing: bell)
    }
}
