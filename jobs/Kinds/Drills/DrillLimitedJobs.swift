import ConveyorCore
import ConveyorQueue
public import ConveyorWorker

/// When an attempt of a limited drill kind slept, on the worker's clock, in microseconds
/// since 1970: within its limits, which a test reads back from the job's result.
public struct DrillSleepWindow: Codable, Sendable {
    public var startedUs: Int64
    public var endedUs: Int64

    enum CodingKeys: String, CodingKey {
        case startedUs = "started_us"
        case endedUs = "ended_us"
    }

    /// Sleeps for `milliseconds`, and answers when.
    static func sleep(milliseconds: Int) async throws -> DrillSleepWindow {
        let start = Timestamp.localNow
        try await Task.sleep(for: .milliseconds(milliseconds))
        return DrillSleepWindow(startedUs: start.microseconds, endedUs: Timestamp.localNow.microseconds)
    }
}

/// Sleeps for a while under a concurrency limit: at most 2 attempts with the same
/// `account` run at once across every worker. For the tests and drills of the kinds' limits.
public struct DrillExclusiveJob: JobKind {
    public struct Payload: Codable, Sendable {
        /// How long to sleep, in milliseconds (0 to 60,000).
        public var ms: Int
        /// The accounts whose jobs share a limit.
        public var account: String?
    }

    public static let name = "drill.exclusive"
    public static let options = JobKindOptions(
        maxAttempts: 3, timeout: .seconds(120), visibility: .drill, concurrency: KindConcurrencyLimit(2, per: .payloadField("account"))
    )

    public init() {}

    public static func validate(_ payload: Payload) throws {
        try DrillThrottledJob.validate(milliseconds: payload.ms)
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> DrillSleepWindow {
        try await DrillSleepWindow.sleep(milliseconds: payload.ms)
    }
}

/// Sleeps for a while under a rate limit: at most 5 attempts of a tenant start within any
/// second, across every worker. For the tests and drills of the kinds' limits.
public struct DrillThrottledJob: JobKind {
    public struct Payload: Codable, Sendable {
        /// How long to sleep, in milliseconds (0 to 60,000).
        public var ms: Int
    }

    public static let name = "drill.throttled"
    public static let options = JobKindOptions(
        maxAttempts: 3, timeout: .seconds(120), visibility: .drill, rateLimit: KindRateLimit(5, per: .seconds(1), scope: .tenant)
    )

    public init() {}

    public static func validate(_ payload: Payload) throws {
        try validate(milliseconds: payload.ms)
    }

    static func validate(milliseconds: Int) throws {
        guard (0...60_000).contains(milliseconds) else {
            throw PermanentJobError("'ms' must be between 0 and 60000, not \(milliseconds)")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> DrillSleepWindow {
        try await DrillSleepWindow.sleep(milliseconds: payload.ms)
    }
}

/// Does nothing, under a concurrency limit that no benchmark reaches (10,000 at once): the
/// cost of a slot taken and freed per attempt, and renewed while held, for `ops/bench/noop --features`.
public struct DrillLimitedNoopJob: JobKind {
    public static let name = "drill.limited_noop"
    public static let options = JobKindOptions(visibility: .drill, concurrency: KindConcurrencyLimit(10_000, per: .kind))

    public init() {}

    public func run(_ payload: NoopJob.Payload, context: JobContext) async throws -> NoOutput {
        NoOutput()
    }
}

/// Does nothing, under a rate limit that no benchmark reaches (10,000,000 starts a second):
/// the cost of each start counted in the limit's window, for `ops/bench/noop --features`.
public struct DrillMeteredNoopJob: JobKind {
    public static let name = "drill.metered_noop"
    public static let options = JobKindOptions(visibility: .drill, rateLimit: KindRateLimit(10_000_000, per: .seconds(1), scope: .kind))

    public init() {}

    public func run(_ payload: NoopJob.Payload, context: JobContext) async throws -> NoOutput {
        NoOutput()
    }
}
