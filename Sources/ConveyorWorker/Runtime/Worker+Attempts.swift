import ConveyorCore
import ConveyorExternal
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import Tracing

/// Running attempts and recording their outcomes: success, failure, deferral, timeout.
extension Worker {
    /// Starts an attempt as a task of its own, which the timeout sweeper, a lost lease or
    /// shutdown may cancel; once its outcome is recorded, the next buffered job starts in
    /// its slot.
    func startAttempt(_ taken: TakenJob) {
        let job = taken.job
        let startedAt = ContinuousClock.now
        let wait = job.reservedAt.since(job.enqueuedAt) + taken.repliedAt.duration(to: startedAt)
        let timings = JobTimings()
        timings.addRedis(taken.redisTime)
        let context = JobContext(
            id: job.id, kind: job.kind, attempt: job.attempt, token: job.token, enqueuedAt: job.enqueuedAt, maxAttempts: job.maxAttempts, requestID: job.requestID,
            tenant: job.tenant, batch: job.batch, timings: timings, resources: attemptResources
        )
        running.start(job: job, context: context, startedAt: startedAt, wait: wait, leaseSetAt: taken.requestedAt) {
            Task {
                await self.runAttempt(job, context: context, startedAt: startedAt, wait: wait)
                let mayStart = !self.isOverZombieLimit
                let (next, reserveMore) = self.slots.withLock { $0.attemptEnded(at: .now, mayStart: mayStart) }
                if let next { self.startAttempt(next) }
                if reserveMore { self.wake.ring() }
                // The slot was freed under the lock that drain reads it under, after the stop
                // began or before: either this sees the stop and rings, or drain sees the slot.
                if self.isStopping { self.drained.ring() }
            }
        }
        attemptStarted.ring()
    }

    func runAttempt(_ job: ReservedJob, context: JobContext, startedAt: ContinuousClock.Instant, wait: Duration) async {
        let kind = registry.kind(named: job.kind)
        let result: Result<String, any Error>
        do {
            if let deadline = job.deadline, job.attempt == 1, job.reservedAt > deadline { throw DeadlinePassed(deadline: deadline) }
            guard let kind else { throw UnknownKindError(kind: job.kind, known: registry.names) }
            result = .success(
                try await traced(job) {
                    guard kind.hasLimits else { return try await kind.run(job.payload, context) }
                    return try await admission.run(job, options: kind.options) { try await kind.run(job.payload, context) }
                })
        } catch {
            result = .failure(error)
        }
        // The last progress report is written before the outcome, while the attempt still holds
        // its lease: with a success, in the completions' batch.
        if let writer = context.progressReports.stopWrites() { await writer.value }
        let lastProgress = context.progressReports.takeLatest()
        if let lastProgress, case .failure = result { _ = await context.progressDestination.write(lastProgress) }
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
                acknowledge(
                    job, output: output, progress: lastProgress.map { context.progressDestination.record($0) }, wait: wait, run: runTime, timings: context.timings
                )
            case .failure(let deferral as JobDeferral):
                await recordDeferral(job, deferral, wait: wait, run: runTime, timings: context.timings)
            case .failure(let late as DeadlinePassed):
                await recordExpiry(job, late, wait: wait, run: runTime, timings: context.timings)
            case .failure(let error):
                await recordFailure(
                    job, outcome: .failed, error: error, backoff: kind?.options.backoff ?? RetryBackoff(),
                    wait: wait, run: runTime, timings: context.timings
                )
            }
        }
    }

    /// Runs the attempt in a span that continues the trace of the job's enqueue, when the
    /// worker traces: its phases' spans (``JobContext``) are the span's children.
    func traced<T>(_ job: ReservedJob, _ body: () async throws -> T) async throws -> T {
        guard tracing else { return try await body() }
        return try await withSpan(
            "\(job.kind) attempt", context: JobTraceContext.context(continuing: job.traceContext), ofKind: .consumer
        ) { span in
            span.attributes["conveyor.job.id"] = job.id.description
            span.attributes["conveyor.job.kind"] = job.kind
            span.attributes["conveyor.job.queue"] = job.id.queue.rawValue
            span.attributes["conveyor.job.attempt"] = job.attempt
            span.attributes["conveyor.request_id"] = job.requestID
            return try await body()
        }
    }

    /// Hands the completion to the batcher, which reports the attempt once Redis has
    /// answered; the attempt's slot is free meanwhile.
    func acknowledge(
        _ job: ReservedJob, output: String, progress: JobQueue.ProgressRecord?, wait: Duration, run: Duration, timings: JobTimings
    ) {
        completions.submit(job.lease, result: output, progress: progress) { answer in
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
    func recordFailure(
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
    func recordDeferral(_ job: ReservedJob, _ deferral: JobDeferral, wait: Duration, run: Duration, timings: JobTimings) async {
        await recordUnfinished(job, .deferred, state: "scheduled", reason: deferral.description, wait: wait, run: run, timings: timings) {
            try await queue.defer(job.lease, until: deferral.until)
        }
    }

    /// Discards a job whose deadline passed before it could start: cancelled, never run.
    func recordExpiry(_ job: ReservedJob, _ late: DeadlinePassed, wait: Duration, run: Duration, timings: JobTimings) async {
        await recordUnfinished(job, .expired, state: "cancelled", reason: late.description, wait: wait, run: run, timings: timings) {
            try await queue.expire(job.lease, reason: late.description)
        }
    }

    /// Records an attempt that ended without its work, through `call` (false: the lease was
    /// lost), and reports it with `outcome` and the job's new `state`.
    private func recordUnfinished(
        _ job: ReservedJob, _ outcome: AttemptReport.Outcome, state: String, reason: String, wait: Duration, run: Duration, timings: JobTimings,
        _ call: () async throws -> Bool
    ) async {
        switch await withinLease(timings, call) {
        case .success(true):
            report(job, outcome, state: state, wait: wait, run: run, timings: timings, error: reason)
        case .success(false):
            report(job, .leaseLost, state: "unknown", wait: wait, run: run, timings: timings, error: reason)
        case .failure(let redisError):
            report(job, outcome, state: "unknown", wait: wait, run: run, timings: timings, error: "\(reason); not recorded: \(redisError)")
        }
    }

    /// Makes the Redis call that records an attempt's end, trying again on errors (50 ms,
    /// doubling to 1 s) for as long as the lease lasts: after that the job is recovered
    /// anyway. The successful call's time counts as the attempt's `redis_ms`.
    func withinLease<T: Sendable>(
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

    func report(
        _ job: ReservedJob, _ outcome: AttemptReport.Outcome, state: String, wait: Duration, run: Duration, timings: JobTimings, error: String?
    ) {
        reporter.report(
            AttemptReport(job: job, outcome: outcome, state: state, wait: wait, run: run, figures: timings.figures, error: error)
        )
    }

    /// Reports an attempt that another party claimed while it was still running.
    func report(claimed attempt: RunningAttempts.Attempt, _ outcome: AttemptReport.Outcome, state: String, error: String?) {
        report(
            attempt.job, outcome, state: state, wait: attempt.wait,
            run: attempt.startedAt.duration(to: .now), timings: attempt.context.timings, error: error
        )
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 2000 ? String(text.prefix(2000)) + "…" : text
    }
}
