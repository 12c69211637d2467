import Logging
import Synchronization

/// Answers `GET /ready` from one check of the dependencies a second at most: the requests
/// that arrive while a check runs, or within a second of its start, share its report, so a
/// flood of readiness requests costs the servers one check a second.
final class ReadinessCheck: Sendable {
    private let dependencies: [DependencyCheck]
    private let limit: Duration
    private let logger: Logger
    /// How long a check's report is given again.
    private static let freshness: Duration = .seconds(1)
    private let latest = Mutex<(check: Task<ReadinessReport, Never>, startedAt: ContinuousClock.Instant)?>(nil)

    /// - Parameter limit: how long each dependency may take to answer.
    init(_ dependencies: [DependencyCheck], within limit: Duration, logger: Logger) {
        self.dependencies = dependencies
        self.limit = limit
        self.logger = logger
    }

    /// The report of a check started less than ``freshness`` ago, or of one started now.
    func report() async -> ReadinessReport {
        let now = ContinuousClock.now
        let check = latest.withLock { latest in
            if let latest, latest.startedAt.duration(to: now) < Self.freshness { return latest.check }
            let check = Task { [dependencies, limit, logger] in
                await ReadinessReport.run(dependencies, within: limit, logger: logger)
            }
            latest = (check, now)
            return check
        }
        return await check.value
    }
}
