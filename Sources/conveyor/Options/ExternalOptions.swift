import ArgumentParser
import ConveyorExternal
import Foundation

/// Timeouts of the jobs' external calls and the settings of their circuit breakers.
struct ExternalOptions: ParsableArguments {
    @Option(name: .customLong("external-connect-timeout"), help: "Seconds an external call may wait for a connection (env CONVEYOR_EXTERNAL_CONNECT_TIMEOUT; default 3).")
    var connectTimeout: String?

    @Option(name: .customLong("external-timeout"), help: "Seconds a whole external call may take, response body included (env CONVEYOR_EXTERNAL_TIMEOUT; default 10).")
    var callTimeout: String?

    @Option(name: .customLong("external-max-response-bytes"), help: "The largest response body an external call takes (env CONVEYOR_EXTERNAL_MAX_RESPONSE_BYTES; default 8388608).")
    var maxResponseBytes: String?

    @Option(name: .customLong("breaker-failure-rate"), help: "Share of failed calls in the window, from 0.01 to 1, that opens a dependency's breaker (env CONVEYOR_BREAKER_FAILURE_RATE; default 0.5).")
    var failureRate: String?

    @Option(name: .customLong("breaker-window"), help: "Seconds of the rolling window over which a breaker counts calls (env CONVEYOR_BREAKER_WINDOW; default 60).")
    var window: String?

    @Option(name: .customLong("breaker-minimum-calls"), help: "Calls the window must hold before its failure rate can open the breaker (env CONVEYOR_BREAKER_MINIMUM_CALLS; default 10).")
    var minimumCalls: String?

    @Option(name: .customLong("breaker-cool-down"), help: "Seconds an open breaker refuses calls before it lets probes through (env CONVEYOR_BREAKER_COOL_DOWN; default 30).")
    var coolDown: String?

    @Option(name: .customLong("breaker-probes"), help: "Probe calls a half-open breaker lets through at once, and successes that close it (env CONVEYOR_BREAKER_PROBES; default 1).")
    var probes: String?

    @Option(name: .customLong("breaker-limit"), help: "Breakers kept, one per dependency; past it the least recently called are forgotten (env CONVEYOR_BREAKER_LIMIT; default 1000).")
    var limit: String?

    @OptionGroup var outbound: OutboundOptions

    /// The secret that signs webhooks, from CONVEYOR_WEBHOOK_SECRET only: a flag would show it in process listings.
    func webhookSecret() throws -> [UInt8]? {
        guard let secret = ProcessInfo.processInfo.environment["CONVEYOR_WEBHOOK_SECRET"] else { return nil }
        guard secret.utf8.count >= 16, !secret.contains(where: \.isWhitespace) else {
            throw ValidationError("CONVEYOR_WEBHOOK_SECRET: the webhook secret should be at least 16 characters without spaces")
        }
        return Array(secret.utf8)
    }

    func settings() throws -> ExternalClientSettings {
        var breakers = BreakerSettings()
        breakers.failureRate = try Setting<Double>(flag: "--breaker-failure-rate", variable: "CONVEYOR_BREAKER_FAILURE_RATE")
            .resolve(failureRate, default: "0.5") { text in
                guard let rate = Double(text.trimmingCharacters(in: .whitespaces)), (0.01...1).contains(rate) else {
                    throw SettingError(description: "'\(text)' is not a fraction from 0.01 to 1")
                }
                return rate
            }
        breakers.window = try Setting<Duration>(flag: "--breaker-window", variable: "CONVEYOR_BREAKER_WINDOW")
            .resolve(window, default: "60") { try parseSeconds($0, in: 0.1...86_400) }
        breakers.minimumCalls = try Setting<Int>(flag: "--breaker-minimum-calls", variable: "CONVEYOR_BREAKER_MINIMUM_CALLS")
            .resolve(minimumCalls, default: "10") { try parseCount($0, in: 1...1_000_000) }
        breakers.coolDown = try Setting<Duration>(flag: "--breaker-cool-down", variable: "CONVEYOR_BREAKER_COOL_DOWN")
            .resolve(coolDown, default: "30") { try parseSeconds($0, in: 0.1...86_400) }
        breakers.probes = try Setting<Int>(flag: "--breaker-probes", variable: "CONVEYOR_BREAKER_PROBES")
            .resolve(probes, default: "1") { try parseCount($0, in: 1...1000) }
        return ExternalClientSettings(
            connectTimeout: try Setting<Duration>(flag: "--external-connect-timeout", variable: "CONVEYOR_EXTERNAL_CONNECT_TIMEOUT")
                .resolve(connectTimeout, default: "3") { try parseSeconds($0, in: 0.01...600) },
            callTimeout: try Setting<Duration>(flag: "--external-timeout", variable: "CONVEYOR_EXTERNAL_TIMEOUT")
                .resolve(callTimeout, default: "10") { try parseSeconds($0, in: 0.01...3600) },
            maxResponseBytes: try Setting<Int>(flag: "--external-max-response-bytes", variable: "CONVEYOR_EXTERNAL_MAX_RESPONSE_BYTES")
                .resolve(maxResponseBytes, default: "8388608") { try parseCount($0, in: 1...1 << 30) },
            breakers: breakers,
            maxDependencies: try Setting<Int>(flag: "--breaker-limit", variable: "CONVEYOR_BREAKER_LIMIT")
                .resolve(limit, default: "1000") { try parseCount($0, in: 1...1_000_000) },
            outbound: try outbound.policy(),
            webhookSecret: try webhookSecret()
        )
    }
}
