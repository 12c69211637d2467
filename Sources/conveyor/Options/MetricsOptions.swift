import ArgumentParser
import ConveyorTelemetry
import Foundation
import Logging

/// Where a worker or a scheduler serves `/metrics` and `/health`: nowhere unless a port is
/// given, as a process with no port of its own needs no one to reach it.
struct MetricsOptions: ParsableArguments {
    @Option(name: .customLong("metrics-port"), help: "Port to serve /metrics and /health on, 0 for any free one (env CONVEYOR_METRICS_PORT; default: none, not served).")
    var port: String?

    @Option(name: .customLong("metrics-host"), help: "Address to serve /metrics and /health on (env CONVEYOR_METRICS_HOST; default 127.0.0.1).")
    var host: String?

    /// The server of `exposition` and `health`, or nil when no port is set.
    func server(exposition: MetricsExposition, logger: Logger, health: @escaping @Sendable () async -> String?) throws -> MetricsServer? {
        let port = try Setting<Int?>(flag: "--metrics-port", variable: "CONVEYOR_METRICS_PORT").resolve(self.port, default: "") {
            $0.isEmpty ? nil : try parseCount($0, in: 0...65_535)
        }
        guard let port else { return nil }
        let host = try Setting<String>(flag: "--metrics-host", variable: "CONVEYOR_METRICS_HOST").resolve(self.host, default: "127.0.0.1", parse: parseHost)
        return MetricsServer(host: host, port: port, token: try metricsToken(), exposition: exposition, logger: logger, health: health)
    }
}

/// CONVEYOR_METRICS_TOKEN, which lets a Prometheus server scrape without an API key; nil when unset.
func metricsToken() throws -> String? {
    guard let token = ProcessInfo.processInfo.environment["CONVEYOR_METRICS_TOKEN"] else { return nil }
    guard token.utf8.count >= 16, !token.contains(where: \.isWhitespace) else {
        throw ValidationError("CONVEYOR_METRICS_TOKEN: the metrics token should be at least 16 characters without spaces")
    }
    return token
}

/// A host name or an address to listen on.
func parseHost(_ host: String) throws -> String {
    guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
        throw SettingError(description: "'\(host)' is not a host name or IP address")
    }
    return host
}
