public import ConveyorWorker

/// Does nothing: measures the engine's own cost per job (`ops/bench/noop`).
public struct NoopJob: JobKind {
    public struct Payload: Codable, Sendable {}

    public static let name = "noop"

    public init() {}

    public func run(_ payload: Payload, context: JobContext) async throws -> NoOutput {
        NoOutput()
    }
}
