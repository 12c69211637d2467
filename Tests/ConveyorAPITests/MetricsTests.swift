import ConveyorAPI
import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
@testable import ConveyorWorker
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("GET /metrics and the workers' metrics in Redis")
struct MetricsTests {
    static let token = "metrics-token-0123456789"

    private static func configuration() -> APIConfiguration {
        var configuration = APITestApp.configuration()
        configuration.setMetricsToken(token)
        return configuration
    }

    @Test("the metrics token or an admin key may read it; no token is a 401, a producer key a 403")
    func access() async throws {
        try await APITestApp.run(configuration: Self.configuration()) { client, _ in
            try await client.get("/metrics", as: nil).expectProblem(.unauthorized, type: "unauthorized", naming: "send the metrics token or an admin key")
            try await client.get("/metrics", headers: [.authorization: "Bearer wrong-token-0123456789"], as: nil)
                .expectProblem(.unauthorized, type: "unauthorized", naming: "neither the metrics token nor an API key")
            try await client.get("/metrics", as: .producerA).expectProblem(.forbidden, type: "forbidden", naming: "key 'producer-a' is a producer key")
            let byToken = try await client.get("/metrics", headers: [.authorization: "Bearer \(Self.token)"], as: nil)
            #expect(byToken.status == .ok)
            #expect(byToken.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(try await client.get("/metrics", as: .admin).status == .ok)
        }
    }

    @Test("HTTP requests by route and status with latency histograms, queue figures, process figures")
    func content() async throws {
        let queue = TestEnvironment.uniqueQueue("metrics")
        try await APITestApp.run(configuration: Self.configuration()) { client, services in
            _ = try await client.enqueue(in: queue)
            _ = try await client.enqueue(in: queue)
            _ = try await client.get("/v1/jobs/\(queue).01J00000000000000000000000")
            _ = try await client.get("/nowhere")
            let text = String(buffer: try await client.get("/metrics", as: .admin).body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"conveyor_http_requests_total{route="/v1/jobs",method="POST",status="202"} 2"#), "\(text)")
            #expect(lines.contains(#"conveyor_http_requests_total{route="/v1/jobs/{id}",method="GET",status="404"} 1"#))
            #expect(lines.contains(#"conveyor_http_requests_total{route="unmatched",method="GET",status="404"} 1"#))
            #expect(lines.contains(#"conveyor_http_request_duration_seconds_count{route="/v1/jobs",method="POST"} 2"#))
            #expect(lines.contains(#"# TYPE conveyor_http_request_duration_seconds histogram"#))
            #expect(lines.contains("conveyor_queue_depth{queue=\"\(queue)\"} 2"))
            #expect(lines.contains("conveyor_queue_running{queue=\"\(queue)\"} 0"))
            #expect(lines.contains("conveyor_queue_paused{queue=\"\(queue)\"} 0"))
            #expect(lines.contains("conveyor_queue_jobs_total{queue=\"\(queue)\",outcome=\"succeeded\"} 0"))
            #expect(lines.contains("conveyor_redis_up 1"))
            for name in ["process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
                let value = lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
                #expect((value ?? 0) > 0, "\(name)")
            }
            #expect(lines.contains { $0.hasPrefix("process_cpu_seconds_total ") })
        }
    }

    @Test("per job kind and outcome: the attempts and run times of every worker, summed in Redis")
    func jobsAcrossWorkers() async throws {
        let kind = "test.kind-\(UInt64.random(in: 0 ... .max))"
        let first = try TestEnvironment.redis()
        let second = try TestEnvironment.redis()
        let workerOne = JobMetricsTally(redis: first)
        let workerTwo = JobMetricsTally(redis: second)
        workerOne.record(kind: kind, queue: "default", outcome: "succeeded", run: .microseconds(800))
        workerOne.record(kind: kind, queue: "default", outcome: "succeeded", run: .milliseconds(40))
        workerTwo.record(kind: kind, queue: "default", outcome: "succeeded", run: .seconds(2))
        workerTwo.record(kind: kind, queue: "default", outcome: "failed", run: .seconds(400))
        try await workerOne.flush()
        try await workerTwo.flush()
        workerOne.record(kind: kind, queue: "default", outcome: "succeeded", run: .milliseconds(3))
        try await workerOne.flush()
        await first.shutdown()
        await second.shutdown()

        try await APITestApp.run(configuration: Self.configuration()) { client, _ in
            let text = String(buffer: try await client.get("/metrics", as: .admin).body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            let labels = #"kind="\#(kind)",outcome="succeeded""#
            #expect(lines.contains("conveyor_job_outcomes_total{\(labels)} 4"), "\(text)")
            #expect(lines.contains(#"conveyor_job_outcomes_total{kind="\#(kind)",outcome="failed"} 1"#))
            #expect(lines.contains("conveyor_job_run_duration_seconds_bucket{\(labels),le=\"0.001\"} 1"))
            #expect(lines.contains("conveyor_job_run_duration_seconds_bucket{\(labels),le=\"0.005\"} 2"))
            #expect(lines.contains("conveyor_job_run_duration_seconds_bucket{\(labels),le=\"0.05\"} 3"))
            #expect(lines.contains("conveyor_job_run_duration_seconds_bucket{\(labels),le=\"2.5\"} 4"))
            #expect(lines.contains("conveyor_job_run_duration_seconds_bucket{\(labels),le=\"+Inf\"} 4"))
            #expect(lines.contains("conveyor_job_run_duration_seconds_sum{\(labels)} 2.0438"))
            #expect(lines.contains("conveyor_job_run_duration_seconds_count{\(labels)} 4"))
            #expect(lines.contains(#"conveyor_job_run_duration_seconds_bucket{kind="\#(kind)",outcome="failed",le="300"} 0"#))
        }
    }

    @Test("the flush also adds each minute's attempts per kind and per queue, in a hash that expires after a day")
    func minuteHistory() async throws {
        let kind = "test.kind-\(UInt64.random(in: 0 ... .max))"
        let queue = TestEnvironment.uniqueQueue("history").rawValue
        let redis = try TestEnvironment.redis()
        let tally = JobMetricsTally(redis: redis)
        let before = JobMetricsHistory.minute(of: .localNow)
        tally.record(kind: kind, queue: queue, outcome: "succeeded", run: .milliseconds(2))
        tally.record(kind: kind, queue: queue, outcome: "succeeded", run: .milliseconds(3))
        tally.record(kind: kind, queue: "other-\(queue)", outcome: "failed", run: .milliseconds(4))
        try await tally.flush()
        let after = JobMetricsHistory.minute(of: .localNow)
        let minutes = try await JobMetricsHistory.read(before...after, from: redis)
        func total(_ counts: KeyPath<JobMetricsHistory.Minute, [String: [String: Int]]>, _ name: String, _ outcome: String) -> Int {
            minutes.reduce(0) { $0 + ($1[keyPath: counts][name]?[outcome] ?? 0) }
        }
        #expect(total(\.byKind, kind, "succeeded") == 2)
        #expect(total(\.byKind, kind, "failed") == 1)
        #expect(total(\.byQueue, queue, "succeeded") == 2)
        #expect(total(\.byQueue, "other-\(queue)", "failed") == 1)
        let ttl = try await redis.send(RedisCommand("TTL", .string(JobMetricsHistory.key(minute: after)))).int ?? 0
        #expect((86_400...86_460).contains(ttl), "TTL \(ttl)")
        await redis.shutdown()
    }

    @Test("a run time falls in the first bucket whose bound it does not pass")
    func buckets() {
        #expect(JobMetricsTally.bucket(of: .zero) == 0)
        #expect(JobMetricsTally.bucket(of: .milliseconds(1)) == 0)
        #expect(JobMetricsTally.bucket(of: .microseconds(1001)) == 1)
        #expect(JobMetricsTally.bucket(of: .seconds(300)) == JobMetricsTally.runBuckets.count - 1)
        #expect(JobMetricsTally.bucket(of: .seconds(301)) == JobMetricsTally.runBuckets.count)
    }

    @Test("with Redis down the scrape still answers, with conveyor_redis_up 0 and the process figures")
    func redisDown() async throws {
        try await APITestApp.run(redisURL: APITestApp.closedRedisURL, configuration: Self.configuration()) { client, _ in
            let response = try await client.get("/metrics", headers: [.authorization: "Bearer \(Self.token)"], as: nil)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(text.contains("\nconveyor_redis_up 0\n"))
            #expect(text.contains("\nprocess_resident_memory_bytes "))
            #expect(!text.contains("conveyor_queue_depth{"))
        }
    }
}
