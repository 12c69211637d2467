/// Runs `body` in a task of its own, which the calling task's cancellation does not reach,
/// and waits for it. For cleanup that must reach Redis after an attempt was told to stop (a
/// lock's release, a breaker's probe slot): in a cancelled task, a call may be dropped unrun.
public func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await body() }.value
}
