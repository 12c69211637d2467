import ConveyorQueue
import ConveyorTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The real `conveyor api` binary, spoken to over HTTP.
@Suite("conveyor api, the process")
struct APIProcessTests {
    /// The test keys, as `CONVEYOR_API_KEYS` gives them to a process.
    static let keysVariable = ["CONVEYOR_API_KEYS": TestKey.allCases.map(\.line).joined(separator: ";")]

    /// Starts `conveyor api` on a free port with the test keys; returns it and its port once it listens.
    static func startAPI(_ arguments: [String] = [], environment: [String: String] = [:]) async throws -> (process: ConveyorProcess, port: Int) {
        let api = try ConveyorProcess(["api", "--port", "0"] + arguments, environment: keysVariable.merging(environment) { $1 })
        var port: Int?
        _ = try await eventually(timeout: .seconds(20)) {
            let url = api.logLines.first { ($0["msg"] as? String) == "API listening" }?["url"] as? String
            port = url.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } }
            return port != nil || !api.process.isRunning
        }
        return (api, try #require(port, "the API did not start: \(api.output)"))
    }

    @Test("serves POST and GET over HTTP; the worker's timing line carries the request and correlation ids; SIGTERM stops it with 0")
    func endToEnd() async throws {
        let queue = TestEnvironment.uniqueQueue("api-process")
        let (api, port) = try await Self.startAPI()
        let worker = try ConveyorProcess(["worker", "--queues", queue.rawValue])
        let requestID = "e2e-\(UUID().uuidString.prefix(8))"
        let correlationID = "order-\(UUID().uuidString.prefix(8))"

        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        let accepted = try await client.post(
            "/v1/jobs",
            headers: [
                .contentType: "application/json", .requestID: requestID, HTTPField.Name("X-Correlation-ID")!: correlationID,
                .authorization: TestKey.producerA.authorization,
            ],
            body: ByteBuffer(string: #"{"kind": "noop", "queue": "\#(queue)"}"#)
        )
        #expect(accepted.status == .accepted)
        #expect(accepted.headers[HTTPField.Name("X-Request-ID")!] == requestID)
        #expect(accepted.headers[HTTPField.Name("X-Correlation-ID")!] == correlationID)
        #expect(accepted.headers[HTTPField.Name("X-Response-Time")!] != nil)
        let location = try #require(accepted.headers[.location])

        let lines = try await worker.attemptLines(atLeast: 1, timeout: .seconds(20))
        let line = try #require(lines.first, "no timing line: \(worker.output)")
        #expect(line["request_id"] as? String == requestID)
        #expect(line["correlation_id"] as? String == correlationID)
        #expect(line["outcome"] as? String == "succeeded")

        let job = try await client.get(location, headers: [.authorization: TestKey.producerA.authorization])
        #expect(job.status == .ok)
        let record = try #require(try JSONSerialization.jsonObject(with: Data((job.body ?? ByteBuffer()).readableBytesView)) as? [String: Any])
        #expect(record["state"] as? String == "succeeded")
        #expect(record["request_id"] as? String == requestID)
        #expect(record["correlation_id"] as? String == correlationID)
        #expect(record["tenant"] as? String == "tenant-a")

        let missing = try await client.get("/v2/nothing")
        #expect(missing.status == .notFound)
        #expect(missing.headers[.contentType] == "application/problem+json")
        try await client.shutdown()

        api.signal(SIGTERM)
        worker.signal(SIGTERM)
        #expect(try await api.waitForExit(timeout: .seconds(15)) == 0, "output: \(api.output)")
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == 0)
    }

    @Test("one JSON line per request: method, route, status, duration, ids, key and tenant; slow ones are warnings")
    func requestLines() async throws {
        let (api, port) = try await Self.startAPI(["--slow-request-ms", "1"])
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        let correlationID = "batch-\(UUID().uuidString.prefix(8))"
        let known = try await client.get(
            "/v1/jobs/\(JobID(in: .default))",
            headers: [.authorization: TestKey.producerA.authorization, HTTPField.Name("X-Correlation-ID")!: correlationID]
        )
        #expect(known.status == .notFound)
        // A correlation id with a space could forge a log field: it is dropped, not echoed.
        let forged = try await client.get("/health", headers: [HTTPField.Name("X-Correlation-ID")!: "a b"])
        #expect(forged.headers[HTTPField.Name("X-Correlation-ID")!] == nil)
        try await client.shutdown()
        let found = try await eventually(timeout: .seconds(10)) { api.logLines.filter { ($0["msg"] as? String) == "request" }.count >= 2 }
        let lines = api.logLines.filter { ($0["msg"] as? String) == "request" }
        #expect(found, "no request lines: \(api.output)")
        let job = try #require(lines.first { ($0["route"] as? String) == "/v1/jobs/{id}" }, "\(lines)")
        #expect(job["method"] as? String == "GET" && job["status"] as? Int == 404)
        #expect(job["api_key"] as? String == TestKey.producerA.rawValue && job["tenant"] as? String == "tenant-a")
        #expect(job["correlation_id"] as? String == correlationID && (job["request_id"] as? String)?.isEmpty == false)
        // Past the 1 ms threshold a line is a warning marked slow; under it, an info line without the mark.
        for line in lines {
            let milliseconds = try #require((line["duration_ms"] as? NSNumber)?.doubleValue, "\(line)")
            let slow = milliseconds >= 1
            #expect((line["slow"] as? Bool ?? false) == slow && line["level"] as? String == (slow ? "warning" : "info"), "\(line)")
        }
        let health = try #require(lines.first { ($0["route"] as? String) == "/health" })
        #expect(health["api_key"] == nil && health["correlation_id"] == nil)
        api.signal(SIGTERM)
        _ = try await api.waitForExit(timeout: .seconds(15))
    }

    @Test("a wrong setting stops start-up with a message naming the flag and the variable", arguments: [
        (["--port", "70000"], [:], "--port / CONVEYOR_API_PORT"),
        ([], ["CONVEYOR_MAX_BODY_BYTES": "lots"], "--max-body-bytes / CONVEYOR_MAX_BODY_BYTES"),
        (["--producer-rate-limit", "fast"], [:], "--producer-rate-limit / CONVEYOR_PRODUCER_RATE_LIMIT: 'fast' is not a rate limit"),
        ([], ["CONVEYOR_API_KEYS": ""], "no API keys: give a key file with --api-keys-file / CONVEYOR_API_KEYS_FILE"),
        ([], ["CONVEYOR_API_KEYS": "ci producer acme short"], "CONVEYOR_API_KEYS, line 1: the secret of key 'ci' should be 16 to 256 characters"),
        (["--api-keys-file", "/nonexistent/keys"], [:], "--api-keys-file / CONVEYOR_API_KEYS_FILE: cannot read '/nonexistent/keys'"),
        (["--redis-url", "redis://127.0.0.1:1/0"], [:], "cannot reach Redis at 127.0.0.1:1 (--redis-url / CONVEYOR_REDIS_URL)"),
        (["--database-url", "mysql://nope"], [:], "CONVEYOR_DATABASE_URL"),
    ])
    func wrongSetting(arguments: [String], environment: [String: String], message: String) async throws {
        let api = try ConveyorProcess(["api", "--port", "0"] + arguments, environment: Self.keysVariable.merging(environment) { $1 })
        let status = try await api.waitForExit(timeout: .seconds(20))
        #expect(status != nil && status != 0)
        #expect(api.output.contains(message), "output: \(api.output)")
    }

    @Test("a port already in use stops start-up with a message naming the address and the settings")
    func portInUse() async throws {
        let (first, port) = try await Self.startAPI()
        let second = try ConveyorProcess(["api", "--port", "\(port)"], environment: Self.keysVariable)
        let status = try await second.waitForExit(timeout: .seconds(20))
        #expect(status != nil && status != 0)
        #expect(second.output.contains("could not serve on 127.0.0.1:\(port) (--host / CONVEYOR_API_HOST, --port / CONVEYOR_API_PORT)"), "output: \(second.output)")
        first.signal(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(15)) == 0)
    }
}
