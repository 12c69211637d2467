import ConveyorTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The real `conveyor api` binary, spoken to over HTTP.
@Suite("conveyor api, the process")
struct APIProcessTests {
    /// Starts `conveyor api` on a free port; returns it and its port once it listens.
    private func startAPI(_ arguments: [String] = []) async throws -> (process: ConveyorProcess, port: Int) {
        let api = try ConveyorProcess(["api", "--port", "0"] + arguments)
        var port: Int?
        _ = try await eventually(timeout: .seconds(20)) {
            let url = api.logLines.first { ($0["msg"] as? String) == "API listening" }?["url"] as? String
            port = url.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } }
            return port != nil || !api.process.isRunning
        }
        return (api, try #require(port, "the API did not start: \(api.output)"))
    }

    @Test("serves POST and GET over HTTP; the worker's timing line carries the request id; SIGTERM stops it with 0")
    func endToEnd() async throws {
        let queue = TestEnvironment.uniqueQueue("api-process")
        let (api, port) = try await startAPI(["--default-tenant", "acme"])
        let worker = try ConveyorProcess(["worker", "--queues", queue.rawValue])
        let requestID = "e2e-\(UUID().uuidString.prefix(8))"

        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        let accepted = try await client.post(
            "/v1/jobs", headers: [.contentType: "application/json", HTTPField.Name("X-Request-ID")!: requestID],
            body: ByteBuffer(string: #"{"kind": "noop", "queue": "\#(queue)"}"#)
        )
        #expect(accepted.status == .accepted)
        #expect(accepted.headers[HTTPField.Name("X-Request-ID")!] == requestID)
        #expect(accepted.headers[HTTPField.Name("X-Response-Time")!] != nil)
        let location = try #require(accepted.headers[.location])

        let lines = try await worker.attemptLines(atLeast: 1, timeout: .seconds(20))
        let line = try #require(lines.first, "no timing line: \(worker.output)")
        #expect(line["request_id"] as? String == requestID)
        #expect(line["outcome"] as? String == "succeeded")

        let job = try await client.get(location)
        #expect(job.status == .ok)
        let record = try #require(try JSONSerialization.jsonObject(with: Data((job.body ?? ByteBuffer()).readableBytesView)) as? [String: Any])
        #expect(record["state"] as? String == "succeeded")
        #expect(record["request_id"] as? String == requestID)
        #expect(record["tenant"] as? String == "acme")

        let missing = try await client.get("/v2/nothing")
        #expect(missing.status == .notFound)
        #expect(missing.headers[.contentType] == "application/problem+json")
        try await client.shutdown()

        api.signal(SIGTERM)
        worker.signal(SIGTERM)
        #expect(try await api.waitForExit(timeout: .seconds(15)) == 0, "output: \(api.output)")
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == 0)
    }

    @Test("a wrong setting stops start-up with a message naming the flag and the variable", arguments: [
        (["--port", "70000"], [:], "--port / CONVEYOR_API_PORT"),
        ([], ["CONVEYOR_MAX_BODY_BYTES": "lots"], "--max-body-bytes / CONVEYOR_MAX_BODY_BYTES"),
        (["--default-tenant", "two words"], [:], "--default-tenant / CONVEYOR_DEFAULT_TENANT"),
        (["--redis-url", "redis://127.0.0.1:1/0"], [:], "cannot reach Redis at 127.0.0.1:1 (--redis-url / CONVEYOR_REDIS_URL)"),
        (["--database-url", "mysql://nope"], [:], "CONVEYOR_DATABASE_URL"),
    ])
    func wrongSetting(arguments: [String], environment: [String: String], message: String) async throws {
        let api = try ConveyorProcess(["api", "--port", "0"] + arguments, environment: environment)
        let status = try await api.waitForExit(timeout: .seconds(20))
        #expect(status != nil && status != 0)
        #expect(api.output.contains(message), "output: \(api.output)")
    }

    @Test("a port already in use stops start-up with a message naming the address and the settings")
    func portInUse() async throws {
        let (first, port) = try await startAPI()
        let second = try ConveyorProcess(["api", "--port", "\(port)"])
        let status = try await second.waitForExit(timeout: .seconds(20))
        #expect(status != nil && status != 0)
        #expect(second.output.contains("could not serve on 127.0.0.1:\(port) (--host / CONVEYOR_API_HOST, --port / CONVEYOR_API_PORT)"), "output: \(second.output)")
        first.signal(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(15)) == 0)
    }
}
