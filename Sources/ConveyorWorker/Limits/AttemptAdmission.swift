import ConveyorCore
import ConveyorQueue

/// Holds an attempt to its kind's limits before it runs: a rate limit counts its start, and
/// a concurrency limit gives it a slot that it keeps, renewed a third of a lease apart, until
/// it returns. An attempt over either limit is deferred (``JobDeferral``), which puts its job
/// back on the schedule without spending the attempt: to when the rate's window has room,
/// or a moment later for a slot, whose freeing no one can foresee.
struct AttemptAdmission: Sendable {
    let calls: LimitCallBatcher

    /// How long a job waits for a slot, at random within this range so that the jobs
    /// deferred together do not come back together.
    static let slotWait = Duration.milliseconds(250)...Duration.milliseconds(750)

    /// Runs `body` within the limits of `options` for the attempt of `job`.
    func run<T: Sendable>(_ job: ReservedJob, options: JobKindOptions, _ body: () async throws -> T) async throws -> T {
        if let rate = options.rateLimit,
            let wait = try await calls.count(KindLimiter.Start(against: rate, kind: job.kind, tenant: job.tenant, payload: job.payload, for: job.lease))
        {
            // A little past the window's room, by up to a tenth, so that the jobs waiting on it spread out.
            let spread = Duration.microseconds(Int64.random(in: 0...max(1, wait.microseconds / 10)))
            throw JobDeferral(
                until: job.reservedAt + wait + spread,
                reason: "rate limit of \(job.kind): \(rate.limit) starts per \(rate.window) (\(rate.scope.description))"
            )
        }
        guard let slots = options.concurrency else { return try await body() }
        let slot = KindLimiter.Slot(of: slots, kind: job.kind, tenant: job.tenant, payload: job.payload, for: job.lease)
        guard try await calls.hold(slot) else {
            let wait = Duration.microseconds(Int64.random(in: Self.slotWait.lowerBound.microseconds...Self.slotWait.upperBound.microseconds))
            throw JobDeferral(
                until: job.reservedAt + wait,
                reason: "concurrency limit of \(job.kind): \(slots.limit) at once (\(slots.scope.description))"
            )
        }
        // Renewed, and given back, by the batcher, which the attempt's cancellation does not
        // reach: an attempt that ignores it runs on, and keeps its slot while it does.
        defer { calls.release(slot) }
        return try await body()
    }
}
