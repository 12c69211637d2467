import ConveyorExternal
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /v1/breakers and the breakers in /metrics")
struct BreakersEndpointTests {
    @Test("an admin sees every breaker with its state, window, times and transitions; a producer is refused")
    func breakers() async throws {
        let dependency = "api-\(String(UInt64.random(in: 0 ... .max), radix: 36)).test:8443"
        let breakers = CircuitBreakers(
            redis: try TestEnvironment.redis(),
            settings: BreakerSettings(failureRate: 0.5, minimumCalls: 2, coolDown: .seconds(60)),
            probeLease: .seconds(30)
        )
        for _ in 0..<2 { try await breakers.record(try await breakers.permit(dependency), .failure) }

        try await APITestApp.run { client, _ in
            try await client.get("/v1/breakers", as: .producerA).expectProblem(.forbidden, type: "forbidden", naming: "admin")

            let response = try await client.get("/v1/breakers", as: .admin)
            #expect(response.status == .ok)
            let list = try #require(try response.json["breakers"] as? [[String: Any]])
            let breaker = try #require(list.first { $0["dependency"] as? String == dependency })
            #expect(breaker["state"] as? String == "open")
            #expect(breaker["opening_failure_rate"] as? Double == 1)
            #expect(breaker["opened_at"] is String && breaker["next_probe_at"] is String)
            #expect((breaker["window"] as? [String: Any])?["failures"] as? Int == 0)
            #expect((breaker["transitions_total"] as? [String: Int]) == ["open": 1, "half_open": 0, "closed": 0])
            let transitions = try #require(breaker["transitions"] as? [[String: Any]])
            #expect(transitions.count == 1)
            #expect(transitions.first?["from"] as? String == "closed" && transitions.first?["to"] as? String == "open")
            #expect(transitions.first?["reason"] as? String == "2 of 2 calls failed")

            let metrics = String(buffer: try await client.get("/metrics", as: .admin).body)
            #expect(metrics.contains(#"conveyor_breaker_state{dependency="\#(dependency)",state="open"} 1"#))
            #expect(metrics.contains(#"conveyor_breaker_state{dependency="\#(dependency)",state="closed"} 0"#))
            #expect(metrics.contains(#"conveyor_breaker_transitions_total{dependency="\#(dependency)",to="open"} 1"#))
        }
    }
}
