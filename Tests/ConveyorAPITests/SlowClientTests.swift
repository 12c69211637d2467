import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

/// Clients that send slowly, or stop, against the real `conveyor api` over TCP: a paused body
/// is answered 408 and dropped, and uploads that trickle hold no PostgreSQL connection.
@Suite("Slow and stalled clients", .serialized)
struct SlowClientTests {
    private static func head(_ path: String, length: Int, contentType: String, close: Bool = false) -> String {
        "POST \(path) HTTP/1.1\r\nHost: conveyor\r\nAuthorization: \(TestKey.producerA.authorization)\r\n"
            + "Content-Type: \(contentType)\r\nContent-Length: \(length)\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n"
    }

    private static func row(_ n: Int, _ run: String) -> String {
        #"{"sku":"SLOW-\#(run)-\#(n)","name":"Slow \#(n)","price_cents":\#(n),"quantity":1}"# + "\n"
    }

    @Test("a body that stops arriving is answered 408 after the read timeout, and its connection closed; nothing is stored")
    func stalledBody() async throws {
        let queue = TestEnvironment.uniqueQueue("stalled")
        let (api, port) = try await APIProcessTests.startAPI(["--read-timeout", "1", "--idle-timeout", "5"])
        defer { api.signal(SIGTERM) }
        let run = UUID().uuidString.prefix(8)
        let job = #"{"kind": "noop", "queue": "\#(queue)"}"#
        let upload = Self.row(1, String(run)) + Self.row(2, String(run))
        for (path, contentType, body) in [
            ("/v1/jobs", "application/json", job), ("/v1/imports/products", "application/x-ndjson", upload),
        ] {
            let connection = try await RawHTTPConnection(port: port)
            let clock = ContinuousClock()
            let start = clock.now
            // Half the body, then nothing.
            try await connection.send(Self.head(path, length: body.utf8.count, contentType: contentType) + String(body.prefix(body.count / 2)))
            let (answer, closed) = try await connection.readUntilClosed(timeout: .seconds(10))
            let waited = start.duration(to: clock.now)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(path): \(answer)")
            #expect(answer.contains("urn:conveyor:problem:request-timeout") && answer.lowercased().contains("x-request-id:"))
            #expect(closed, "\(path): the connection stayed open")
            #expect(waited >= .milliseconds(900) && waited < .seconds(5), "\(path): answered after \(waited)")
        }
        // The API goes on serving, and kept nothing of either request.
        let probe = try await RawHTTPConnection(port: port)
        try await probe.send("GET /v1/jobs/\(queue).01J00000000000000000000000 HTTP/1.1\r\nHost: x\r\nAuthorization: \(TestKey.producerA.authorization)\r\nConnection: close\r\n\r\n")
        #expect(try await probe.readUntilClosed(timeout: .seconds(10)).text.hasPrefix("HTTP/1.1 404"))
        let redis = try TestEnvironment.redis()
        #expect(try await redis.send(.init("LLEN", .string("conveyor:{\(queue)}:ready"))).int == 0)
        await redis.shutdown()
        #expect(!api.output.contains("\"level\":\"error\""), "\(api.output.suffix(2000))")
    }

    @Test("twice the pool's worth of trickling uploads leave /ready, exports and other imports served at once")
    func tricklingUploads() async throws {
        let poolSize = 4
        let (api, port) = try await APIProcessTests.startAPI(["--db-pool-size", "\(poolSize)", "--read-timeout", "5", "--idle-timeout", "10"])
        defer { api.signal(SIGTERM) }
        let run = UUID().uuidString.prefix(8)
        let rowsEach = 12
        // 2 × the pool: each sends its head and a row, then a row every 250 ms (3 s in all).
        let trickles = try await (0..<(2 * poolSize)).asyncMap { index in
            let rows = (0..<rowsEach).map { Self.row(index * 100 + $0, String(run)) }
            let connection = try await RawHTTPConnection(port: port)
            try await connection.send(
                Self.head("/v1/imports/products", length: rows.joined().utf8.count, contentType: "application/x-ndjson", close: true) + rows[0]
            )
            return (connection, rows)
        }
        let senders = Task {
            for step in 1..<rowsEach {
                try await Task.sleep(for: .milliseconds(250))
                for (connection, rows) in trickles { try await connection.send(rows[step]) }
            }
        }
        try await Task.sleep(for: .milliseconds(300))

        // Meanwhile, every request that needs PostgreSQL is answered without waiting for a connection.
        let clock = ContinuousClock()
        for (request, expected) in [
            ("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200"),
            ("GET /v1/exports/01J00000000000000000000000 HTTP/1.1\r\nHost: x\r\nAuthorization: \(TestKey.producerA.authorization)\r\nConnection: close\r\n\r\n", "HTTP/1.1 404"),
            (Self.head("/v1/imports/products", length: Self.row(9999, String(run)).utf8.count, contentType: "application/x-ndjson", close: true) + Self.row(9999, String(run)), "HTTP/1.1 202"),
        ] {
            let start = clock.now
            let connection = try await RawHTTPConnection(port: port)
            try await connection.send(request)
            let (answer, _) = try await connection.readUntilClosed(timeout: .seconds(10))
            #expect(answer.hasPrefix(expected), "\(request.prefix(40)): \(answer.prefix(300))")
            #expect(start.duration(to: clock.now) < .seconds(2), "\(request.prefix(40)) took \(start.duration(to: clock.now))")
        }
        #expect(!senders.isCancelled)
        try await senders.value
        // And the trickling uploads are all accepted in the end.
        for (connection, _) in trickles {
            let (answer, _) = try await connection.readUntilClosed(timeout: .seconds(20))
            #expect(answer.hasPrefix("HTTP/1.1 202"), "\(answer.prefix(300))")
        }
    }
}

extension Sequence {
    /// `transform` applied to each element in turn.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
