import ConveyorExternal

/// A job's measured access to external HTTP services: every call goes through the
/// dependency's circuit breaker, its time counts as the attempt's `external_ms`, and the
/// breaker's state goes into the timing line.
///
/// ```swift
/// let rates = try await context.external.get("https://rates.example.com/latest")
/// ```
///
/// A call the breaker refuses throws ``JobDeferral``: left uncaught, the job waits until
/// the breaker may close, without spending an attempt. A call that fails (timeout,
/// connection refused) throws ``ExternalCallError`` and, uncaught, fails the attempt.
public struct ExternalCalls: Sendable {
    let client: ExternalClient
    let timings: JobTimings

    /// Calls through `client`, counted in `timings`; jobs get theirs from ``JobContext/external``.
    public init(client: ExternalClient, timings: JobTimings) {
        self.client = client
        self.timings = timings
    }

    /// Sends `request`; returns the response, whatever its status.
    public func send(_ request: ExternalRequest) async throws -> ExternalResponse {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await client.send(request)
            timings.addExternal(start.duration(to: clock.now), breakerState: response.breakerState.rawValue)
            return response
        } catch let refusal as BreakerRefusal {
            timings.addExternal(start.duration(to: clock.now), breakerState: refusal.state.rawValue)
            throw JobDeferral(until: refusal.retryAt, reason: refusal.description)
        } catch let failure as ExternalCallError {
            timings.addExternal(start.duration(to: clock.now), breakerState: failure.breakerState.rawValue)
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
        let request = ExternalRequest(.get, try Self.parse(url), headers: headers)
        return try await send(request).requireSuccess(of: request)
    }

    /// POSTs `body` to `url`; the response must be 2xx.
    /// - Throws: as ``get(_:headers:)``.
    public func post(_ url: String, body: [UInt8], headers: [(name: String, value: String)] = []) async throws -> ExternalResponse {
        let request = ExternalRequest(.post, try Self.parse(url), headers: headers, body: body)
        return try await send(request).requireSuccess(of: request)
    }

    private static func parse(_ url: String) throws -> ExternalURL {
        do {
            return try ExternalURL(url)
        } catch {
            throw PermanentJobError("cannot call \(url): \(error)")
        }
    }
}
