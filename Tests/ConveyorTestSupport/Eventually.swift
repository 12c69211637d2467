import Foundation

/// Polls `condition` every `interval` until it holds or `timeout` passes; returns
/// whether it held. For waiting on other processes without fixed sleeps.
public func eventually(
    timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
