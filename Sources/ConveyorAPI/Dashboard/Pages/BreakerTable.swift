import ConveyorExternal

/// The table of circuit breakers: state, window, when they opened and when they probe.
struct BreakerTable {
    let breakers: [BreakerStatus]

    var html: HTML {
        guard !breakers.isEmpty else { return "<p class=\"empty\">No breaker is open.</p>" }
        let rows = breakers.map { breaker -> HTML in
            let rate = breaker.windowFailureRate.map { "\(Int(($0 * 100).rounded())) %" } ?? "—"
            let latest = breaker.recentTransitions.first.map { "\($0.from.rawValue) → \($0.to.rawValue): \($0.reason)" } ?? "—"
            return """
                <tr><td>\(breaker.dependency)</td><td class="state-\(breaker.state.rawValue)">\(breaker.state.rawValue)</td>\
                <td class="number">\(breaker.windowSuccesses) / \(breaker.windowFailures)</td><td class="number">\(rate)</td>\
                <td>\(Figures.time(breaker.openedAt))</td><td>\(Figures.time(breaker.probeAt))</td>\
                <td class="number">\(breaker.probesInFlight)</td><td>\(latest)</td></tr>
                """
        }
        return """
            <table><thead><tr><th>Dependency</th><th>State</th><th>Window ok / failed</th><th>Failure rate</th><th>Opened</th>\
            <th>Next probe</th><th>Probes</th><th>Latest transition</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
