import ConveyorCore
import ConveyorExternal
import ConveyorQueue
import Hummingbird

/// One breaker as `GET /v1/breakers` shows it.
struct BreakerSummary: Encodable, Sendable {
    let status: BreakerStatus

    private enum CodingKeys: String, CodingKey {
        case dependency, state, window, transitions
        case openingFailureRate = "opening_failure_rate"
        case changedAt = "changed_at"
        case openedAt = "opened_at"
        case nextProbeAt = "next_probe_at"
        case probesInFlight = "probes_in_flight"
        case transitionsTotal = "transitions_total"
    }

    private enum WindowKeys: String, CodingKey {
        case successes, failures
        case failureRate = "failure_rate"
    }

    private enum TransitionKeys: String, CodingKey {
        case at, from, to, reason
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.dependency, forKey: .dependency)
        try container.encode(status.state, forKey: .state)
        var window = container.nestedContainer(keyedBy: WindowKeys.self, forKey: .window)
        try window.encode(status.windowSuccesses, forKey: .successes)
        try window.encode(status.windowFailures, forKey: .failures)
        try window.encodeIfPresent(status.windowFailureRate, forKey: .failureRate)
        try container.encodeIfPresent(status.openingFailureRate, forKey: .openingFailureRate)
        try container.encodeIfPresent(status.changedAt?.description, forKey: .changedAt)
        try container.encodeIfPresent(status.openedAt?.description, forKey: .openedAt)
        try container.encodeIfPresent(status.probeAt?.description, forKey: .nextProbeAt)
        try container.encode(status.probesInFlight, forKey: .probesInFlight)
        var totals = container.nestedContainer(keyedBy: BreakerStateKey.self, forKey: .transitionsTotal)
        for state in BreakerState.allCases {
            try totals.encode(status.transitionCounts[state] ?? 0, forKey: BreakerStateKey(state))
        }
        var transitions = container.nestedUnkeyedContainer(forKey: .transitions)
        for transition in status.recentTransitions {
            var entry = transitions.nestedContainer(keyedBy: TransitionKeys.self)
            try entry.encode(transition.at.description, forKey: .at)
            try entry.encode(transition.from, forKey: .from)
            try entry.encode(transition.to, forKey: .to)
            try entry.encode(transition.reason, forKey: .reason)
        }
    }

    /// A breaker state as a key of `transitions_total`.
    private struct BreakerStateKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }

        init(_ state: BreakerState) { stringValue = state.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// `GET /v1/breakers`: `{"breakers": [...]}`.
struct BreakerList: ResponseEncodable, Sendable {
    let breakers: [BreakerSummary]
}
