import ArgumentParser
import ConveyorCore
import Foundation
import NIOHTTP1

/// `conveyor-bench rate`: sends GET requests to one URL at a fixed rate, whatever the
/// answers' times (an open loop: request `n` is due at `n / rate` seconds, spread over the
/// connections in turn), and prints the latency of each, from the moment it is written to
/// the end of its answer, as percentiles in ms. `late_*` is how far behind its due time a
/// request was sent: near zero when the driver and the server kept up.
struct RateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "GET a URL at a fixed rate over keep-alive connections; prints latency percentiles in ms."
    )

    @Option(help: "The URL, http://host:port/path.")
    var url: String

    @Option(name: .customLong("header"), help: "A request header, 'Name: value'; repeatable.")
    var headers: [String] = []

    @Option(help: "Requests per second.")
    var rate = 1_000

    @Option(help: "How long to send, in seconds.")
    var seconds = 20

    @Option(help: "Keep-alive connections the requests take in turn.")
    var connections = 16

    @Option(name: .customLong("expect-status"), help: "The status every answer must have; others are counted as errors.")
    var expectedStatus: UInt = 200

    func validate() throws {
        guard rate > 0, seconds > 0, connections > 0 else { throw ValidationError("--rate, --seconds and --connections must be positive") }
    }

    func run() async throws {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host, let port = components.port
        else { throw ValidationError("--url must be http://host:port/path, not '\(url)'") }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else { throw ValidationError("--header must be 'Name: value', not '\(header)'") }
            head.headers.add(name: String(header[..<colon]), value: header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }

        let total = rate * seconds
        let interval = Duration.seconds(1) / rate
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(100)
        let request = head
        let samples = try await withThrowingTaskGroup(of: Samples.self) { group in
            for lane in 0..<min(connections, total) {
                group.addTask {
                    let connection = try await HTTPConnection.connect(host: host, port: port)
                    return try await connection.run { send in
                        var samples = Samples()
                        for index in stride(from: lane, to: total, by: connections) {
                            let due = start + interval * index
                            try await Task.sleep(until: due, clock: clock)
                            let sent = clock.now
                            let status = try await send(request)
                            samples.latencies.append(sent.duration(to: clock.now).milliseconds)
                            samples.lateness.append(due.duration(to: sent).milliseconds)
                            if status != expectedStatus { samples.errors += 1 }
                        }
                        return samples
                    }
                }
            }
            var all = Samples()
            for try await lane in group {
                all.latencies += lane.latencies
                all.lateness += lane.lateness
                all.errors += lane.errors
            }
            return all
        }
        let elapsed = start.duration(to: clock.now).milliseconds / 1000

        var line = ResultLine()
        line.add("requests", total)
        line.add("errors", samples.errors)
        line.add("rate", Double(total) / elapsed)
        line.add("latency", Distribution(samples.latencies))
        line.add("late", Distribution(samples.lateness))
        print(line)
    }

    /// One connection's figures.
    struct Samples: Sendable {
        var latencies: [Double] = []
        var lateness: [Double] = []
        var errors = 0
    }
}
