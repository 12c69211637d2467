import ConveyorCore
public import ConveyorWorker

/// Works through `steps` steps of `step_ms` each, reporting its progress after every one
/// (`JobContext.progress`): for the progress events' tests, their benchmark and the demo.
public struct DrillProgressJob: JobKind {
    public struct Payload: Codable, Sendable {
        /// How many steps (1 to 1,000,000).
        public var steps: Int
        /// How long each step takes, in milliseconds (0 to 60,000; default 0).
        public var stepMilliseconds: Int?

        enum CodingKeys: String, CodingKey {
            case steps
            case stepMilliseconds = "step_ms"
        }
    }

    public struct Output: Codable, Sendable {
        public var steps: Int
        public var attempt: Int
    }

    public static let name = "drill.progress"
    public static let options = JobKindOptions(
        maxAttempts: 3, timeout: .seconds(3600), backoff: RetryBackoff(base: .milliseconds(200), maximum: .seconds(2)),
        visibility: .drill
    )

    public init() {}

    public static func validate(_ payload: Payload) throws {
        guard (1...1_000_000).contains(payload.steps) else {
            throw PermanentJobError("'steps' must be between 1 and 1000000, not \(payload.steps)")
        }
        guard (0...60_000).contains(payload.stepMilliseconds ?? 0) else {
            throw PermanentJobError("'step_ms' must be between 0 and 60000, not \(payload.stepMilliseconds ?? 0)")
        }
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Output {
        let step = Duration.milliseconds(payload.stepMilliseconds ?? 0)
        for done in 1...payload.steps {
            if step > .zero { try await Task.sleep(for: step) }
            try context.progress(done, of: payload.steps, message: "step \(done) of \(payload.steps)")
        }
        return Output(steps: payload.steps, attempt: context.attempt)
    }
}
