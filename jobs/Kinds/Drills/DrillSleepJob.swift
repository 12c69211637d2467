import ConveyorCore
public import ConveyorWorker
import Dispatch

/// Sleeps for a while, as a long job would: for fault drills (kill -9, SIGSTOP,
/// SIGTERM during work, timeouts). Honours cancellation like well-behaved work, unless
/// told to be stubborn.
public struct DrillSleepJob: JobKind {
    public struct Payload: Codable, Sendable {
        /// How long to sleep, in milliseconds (0 to 3,600,000).
        public var ms: Int
        /// Sleeps through cancellation, as a kind that ignores it would: its attempt
        /// becomes a zombie when told to stop.
        public var stubborn: Bool?
    }

    public struct Output: Codable, Sendable {
        public var sleptMs: Int
        public var attempt: Int
    }

    public static let name = "drill.sleep"
    public static let options = JobKindOptions(
        maxAttempts: 5, timeout: .seconds(600), backoff: RetryBackoff(base: .milliseconds(200), maximum: .seconds(5)),
        visibility: .drill
    )

    public init() {}

    public static func validate(_ payload: Payload) throws {
        guard (0...3_600_000).contains(payload.ms) else {
            throw PermanentJobError("'ms' must be between 0 and 3600000, not \(payload.ms)")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Output {
        if payload.stubborn == true {
            await withCheckedContinuation { (woken: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(payload.ms)) { woken.resume() }
            }
        } else {
            try await Task.sleep(for: .milliseconds(payload.ms))
        }
        return Output(sleptMs: payload.ms, attempt: context.attempt)
    }
}
