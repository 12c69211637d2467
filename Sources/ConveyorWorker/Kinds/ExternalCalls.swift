import ConveyorCore
public import ConveyorExternal
import ConveyorQueue
import Foundation
public import Logging

/// A job's measured access to external HTTP services: every call goes through the
/// dependency's circuit breaker, its time counts as the attempt's `external_ms`, and the
/// breaker's state goes into the timing line.
///
/// ```swift
/// let rates = try await context.external.get("https://rates.example.com/latest")
/// ```
///
/// A call the breaker refuses throws ``JobDeferral``: left uncaught, the job waits until
/// the breaker may close, without spending an attempt. A call to an address no call may
/// reach (``OutboundPolicy``) throws ``PermanentJobError``: retrying cannot change it. A
/// call that fails (timeout, connection refused) throws ``ExternalCallError`` and, uncaught,
/// fails the attempt. What these errors say, which becomes the job's error that its
/// producer reads, names no address and quotes no answer; the worker's log has those.
public struct ExternalCalls: Sendable {
    let client: ExternalClient
    let timings: JobTimings
    let logger: Logger

    /// Calls through `client`, counted in `timings`; jobs get theirs from ``JobContext/external``.
    public init(client: ExternalClient, timings: JobTimings, logger: Logger) {
        self.client = client
        self.timings = timings
        self.logger = logger
    }

    /// The span over which deferrals after one breaker refusal are spread.
    static let deferralSpreadMilliseconds = 1000

    /// Sends `request`; returns the response, whatever its status.
    public func send(_ request: ExternalRequest) async throws -> ExternalResponse {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await client.send(request)
            timings.addExternal(start.duration(to: clock.now), breakerState: response.breakerState.rawValue)
            return response
        } catch let refusal as OutboundRefusal {
            logger.warning(
                "external call refused",
                metadata: ["url": "\(request.url)", "address": "\(refusal.address)", "rule": "\(refusal.rule)"]
            )
            throw PermanentJobError("cannot call \(request.url): \(refusal)")
        } catch let refusal as BreakerRefusal {
            timings.addExternal(start.duration(to: clock.now), breakerState: refusal.state.rawValue)
            // Spread over a second, so that the jobs a breaker held back do not all come due in the same millisecond.
            let spread = Duration.milliseconds(Int.random(in: 0..<Self.deferralSpreadMilliseconds))
            throw JobDeferral(until: refusal.retryAt + spread, reason: refusal.description)
        } catch let failure as ExternalCallError {
            timings.addExternal(start.duration(to: clock.now), breakerState: failure.breakerState.rawValue)
            logger.warning("external call failed", metadata: ["url": "\(request.url)", "error": "\(failure.detail)"])
            throw failure
        } catch {
            timings.addExternal(start.duration(to: clock.now), breakerState: "unknown")
            throw error
        }
    }

    /// GETs `url`; the response must be 2xx.
    /// - Throws: ``PermanentJobError`` for a URL that is not absolute http(s), ``ExternalStatusError``
    ///   for another status, and what ``send(_:)`` throws.
    public func get(_ url: String, headers: [(name: String, value: String)] = []) async throws -> ExternalResponse {
        try await requireSuccess(ExternalRequest(.get, try Self.parse(url), headers: headers))
    }

    /// POSTs `body` to `url`; the response must be 2xx.
    /// - Throws: as ``get(_:headers:)``.
    public func post(_ url: String, body: [UInt8], headers: [(name: String, value: String)] = []) async throws -> ExternalResponse {
        try await requireSuccess(ExternalRequest(.post, try Self.parse(url), headers: headers, body: body))
    }

    /// POSTs `body` to `url` as a webhook, signed with the deployment's webhook secret in
    /// the `Conveyor-Signature` header (``WebhookSignature``); the response must be 2xx.
    /// - Throws: ``PermanentJobError`` when no secret was given (`CONVEYOR_WEBHOOK_SECRET`),
    ///   and what ``post(_:body:headers:)`` throws.
    public func postSigned(_ url: String, body: [UInt8], headers: [(name: String, value: String)] = []) async throws -> ExternalResponse {
        guard let secret = client.settings.webhookSecret else {
            throw PermanentJobError("webhooks are signed, and this worker has no secret to sign with: set CONVEYOR_WEBHOOK_SECRET")
        }
        let signature = WebhookSignature(body: body, timestamp: Int(Date().timeIntervalSince1970), secret: secret)
        return try await post(url, body: body, headers: headers + [(WebhookSignature.headerName, signature.description)])
    }

    /// Sends `request` and requires a 2xx answer; another answer's body goes to the log only.
    private func requireSuccess(_ request: ExternalRequest) async throws -> ExternalResponse {
        do {
            return try await send(request).requireSuccess(of: request)
        } catch let error as ExternalStatusError {
            logger.warning("external call answered \(error.status)", metadata: ["url": "\(request.url)", "body": "\(error.bodyStart)"])
            throw error
        }
    }

    private static func parse(_ url: String) throws -> ExternalURL {
        do {
            return try ExternalURL(url)
        } catch {
            throw PermanentJobError("cannot call \(url): \(error)")
        }
    }
}
