/// Runs `body`, then `cleanUp` whether it returned or threw: a fixture's tear-down, which
/// must follow a failing test as it follows a passing one.
public func withCleanUp<T>(_ body: () async throws -> T, cleanUp: () async -> Void) async throws -> T {
    do {
        let value = try await body()
        await cleanUp()
        return value
    } catch {
        await cleanUp()
        throw error
    }
}
