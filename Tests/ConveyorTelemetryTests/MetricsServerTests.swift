import ConveyorTelemetry
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Synchronization
import Testing

/// The swift-metrics backend and the `/metrics` and `/health` server of workers and schedulers.
@Suite struct MetricsServerTests {
    private static func server(token: String? = nil, health: @escaping @Sendable () async -> String? = { nil }) -> MetricsServer {
        ConveyorMetricsFactory.bootstrap()
        return MetricsServer(
            host: "127.0.0.1", port: 0, token: token, exposition: MetricsExposition(), logger: Logger(label: "metrics-test"), health: health
        )
    }

    @Test func instrumentsOfSwiftMetricsAreServedWithTheirHelpAndTheProcessFigures() async throws {
        ConveyorMetricsFactory.bootstrap()
        let kind = "telemetry-test"
        Metrics.Timer(label: "conveyor_job_db_seconds", dimensions: [("kind", kind), ("queue", "q"), ("outcome", "succeeded")])
            .record(duration: .milliseconds(3))
        Counter(label: "conveyor_job_history_dropped_total").increment(by: 2)
        try await Self.server().application().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("# HELP conveyor_job_db_seconds Time an attempt spent in PostgreSQL calls"))
                #expect(text.contains("# TYPE conveyor_job_db_seconds histogram"))
                // 3 ms falls in the 5 ms bucket and not the 2.5 ms one.
                #expect(text.contains(#"conveyor_job_db_seconds_bucket{kind="\#(kind)",queue="q",outcome="succeeded",le="0.0025"} 0"#))
                #expect(text.contains(#"conveyor_job_db_seconds_bucket{kind="\#(kind)",queue="q",outcome="succeeded",le="0.005"} 1"#))
                #expect(text.contains("conveyor_job_history_dropped_total"))
                #expect(text.contains("# TYPE process_resident_memory_bytes gauge"))
                // Every family has a help line: `promtool check metrics` asks for one.
                let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
                let helped = Set(text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
                #expect(!types.isEmpty && types.allSatisfy { helped.contains($0) })
            }
        }
    }

    @Test func theMetricsTokenIsAskedForWhenSetAndHealthSaysWhyItFails() async throws {
        let token = "a-token-of-sixteen-or-more"
        let healthy = Atomic<Bool>(true)
        let server = Self.server(token: token) { healthy.load(ordering: .relaxed) ? nil : "cannot reach Redis: refused" }
        try await server.application().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong-token-wrong-token"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{\"status\":\"ok\"}\n")
            }
            healthy.store(false, ordering: .relaxed)
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "{\"status\":\"unavailable\",\"reason\":\"cannot reach Redis: refused\"}\n")
            }
        }
    }
}
