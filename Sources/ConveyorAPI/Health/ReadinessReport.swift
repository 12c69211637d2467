import ConveyorCore
import ConveyorQueue
import Hummingbird
import Logging

/// What `GET /ready` found: each dependency up or down. Ready only when all are up.
struct ReadinessReport: ResponseEncodable, Sendable {
    /// By dependency name.
    var checks: [String: DependencyStatus]
    /// The dependencies' titles, in the order they were checked.
    var titles: [(name: String, title: String)]

    var isReady: Bool { checks.values.allSatisfy(\.isUp) }

    /// Runs every check at once, each for at most `limit`. A failed check's error goes to
    /// `logger`; the report says only that the dependency is down, or did not answer in time,
    /// since an error can tell where the server lives.
    static func run(_ dependencies: [DependencyCheck], within limit: Duration, logger: Logger) async -> ReadinessReport {
        let checks = await withTaskGroup(of: (String, DependencyStatus).self) { group in
            for dependency in dependencies {
                group.addTask {
                    let start = ContinuousClock.now
                    var error: String?
                    do {
                        try await Deadline.run(within: limit, dependency.probe)
                    } catch let failure as Deadline.Exceeded {
                        error = "\(failure)"
                    } catch let failure {
                        error = "unreachable"
                        logger.warning("readiness check failed", metadata: ["dependency": "\(dependency.name)", "error": "\(failure)"])
                    }
                    let milliseconds = (start.duration(to: .now).milliseconds * 100).rounded() / 100
                    return (dependency.name, DependencyStatus(error: error, milliseconds: milliseconds))
                }
            }
            var checks: [String: DependencyStatus] = [:]
            for await (name, status) in group { checks[name] = status }
            return checks
        }
        return ReadinessReport(checks: checks, titles: dependencies.map { ($0.name, $0.title) })
    }

    /// The 503 to answer when a dependency is down, naming which; nil when ready.
    var problem: Problem? {
        guard !isReady else { return nil }
        let findings = titles.compactMap { name, title in
            checks[name].map { status in status.error.map { "\(title) is down (\($0))" } ?? "\(title) is up" }
        }
        return Problem(
            status: .serviceUnavailable, type: "not-ready", title: "A server the API needs is down",
            detail: findings.joined(separator: "; ") + ": the API's log says why; retry later",
            members: ["checks": .object(checks.mapValues(\.json))],
            headers: [.retryAfter: String(Problem.dependencyRetrySeconds)]
        )
    }

    private enum CodingKeys: String, CodingKey {
        case status, checks
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isReady ? "ready" : "not ready", forKey: .status)
        try container.encode(checks, forKey: .checks)
    }
}
