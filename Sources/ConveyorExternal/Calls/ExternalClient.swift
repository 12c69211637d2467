import AsyncHTTPClient
import ConveyorCore
public import ConveyorRedis
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import Tracing

/// Makes outbound HTTP calls, with a connect timeout and a timeout on the whole call, no
/// redirects, every call through the circuit breaker of its dependency, and none to an
/// address the ``OutboundPolicy`` refuses. Shut it down when the process stops.
///
/// A call to a host name connects to the address that was checked, through an
/// async-http-client of its own told to take that address for the name (its TLS still
/// checks the certificate against the name); calls to an IP address, or to a host the
/// operator allowed by name, share the process's client and its connections.
public final class ExternalClient: Sendable {
    public let settings: ExternalClientSettings
    public let breakers: CircuitBreakers
    private let http: HTTPClient

    /// - Parameter redis: where the breakers' state is shared.
    public init(redis: RedisClient, settings: ExternalClientSettings) {
        self.settings = settings
        // A probe whose worker died frees its slot a little after its call would have timed out.
        self.breakers = CircuitBreakers(
            redis: redis, settings: settings.breakers, probeLease: settings.callTimeout + .seconds(1), limit: settings.maxDependencies
        )
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration(settings))
    }

    private static func configuration(_ settings: ExternalClientSettings, dnsOverride: [String: String] = [:]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .microseconds(settings.connectTimeout.microseconds))
        )
        configuration.httpVersion = .http1Only
        configuration.dnsOverride = dnsOverride
        return configuration
    }

    /// Lets the calls under way finish, then closes the connections.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends `request` if its host's addresses may be called and its dependency's breaker
    /// lets it, and counts the outcome: a timeout, a failed connection or a 5xx or 429 answer
    /// as a failure.
    /// - Returns: the response, whatever its status.
    /// - Throws: ``OutboundRefusal`` when the host is or resolves to an address no call may
    ///   reach (nothing was sent); ``BreakerRefusal`` when the breaker refused the
    ///   call; ``ExternalCallError`` when the call got no usable answer; `CancellationError`
    ///   when the calling task was cancelled; a Redis error when the breaker could not be asked.
    public func send(_ request: ExternalRequest) async throws -> ExternalResponse {
        let host = request.url.host
        // A refused address never reaches the breaker; a name that does not resolve is a
        // failure of the dependency, counted as one.
        let address: IPAddress?
        let unresolved: UnresolvedHost?
        do {
            address = try await settings.outbound.check(host: host)
            unresolved = nil
        } catch let error as UnresolvedHost {
            address = nil
            unresolved = error
        }
        let permit: BreakerPermit
        do {
            permit = try await breakers.permit(request.url.dependency)
        } catch let refusal as BreakerRefusal {
            Self.count(request.url.dependency, "refused")
            throw refusal
        }
        let answer: Answer
        do {
            if let unresolved { throw unresolved }
            if let address, IPAddress(host) == nil {
                let pinned = HTTPClient(
                    eventLoopGroupProvider: .singleton, configuration: Self.configuration(settings, dnsOverride: [host: address.description])
                )
                do {
                    answer = try await tracedExchange(request, through: pinned)
                    try? await pinned.shutdown()
                } catch {
                    try? await pinned.shutdown()
                    throw error
                }
            } else {
                answer = try await tracedExchange(request, through: http)
            }
        } catch {
            if Task.isCancelled {
                // Outside this cancelled task, so that the probe slot is given back rather than held to its lease.
                let breakers = self.breakers
                _ = try? await uncancelled { try await breakers.record(permit, .abandoned) }
                throw CancellationError()
            }
            let tooLarge = error is NIOTooManyBytesError
            let state = await record(permit, tooLarge ? .success : .failure)
            throw ExternalCallError(
                method: request.method.rawValue, url: request.url.description, problem: describe(error), detail: "\(error)",
                breakerState: state
            )
        }
        let failed = answer.status >= 500 || answer.status == 429
        let state = await record(permit, failed ? .failure : .success)
        return ExternalResponse(status: answer.status, headers: answer.headers, body: answer.body, breakerState: state)
    }

    /// Records the outcome; when Redis cannot take it, the call's result still stands and
    /// the breaker is as the permit found it.
    private func record(_ permit: BreakerPermit, _ outcome: BreakerCallOutcome) async -> BreakerState {
        Self.count(permit.dependency, outcome.rawValue)
        return (try? await breakers.record(permit, outcome)) ?? permit.state
    }

    /// Counts a call in `conveyor_external_calls_total`: a breaker's outcome, or `refused`
    /// when an open breaker sent nothing.
    private static func count(_ dependency: String, _ outcome: String) {
        Counter(label: "conveyor_external_calls_total", dimensions: [("dependency", dependency), ("outcome", outcome)]).increment()
    }

    /// What came back, read whole.
    private struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    /// The call in a client span of the caller's trace, which the request's `traceparent`
    /// header names to the server; a no-op span when the process does not trace.
    private func tracedExchange(_ request: ExternalRequest, through http: HTTPClient) async throws -> Answer {
        try await withSpan("HTTP \(request.method.rawValue)", ofKind: .client) { span in
            span.attributes["server.address"] = request.url.host
            let answer = try await exchange(request, through: http)
            span.attributes["http.response.status_code"] = answer.status
            return answer
        }
    }

    /// The call itself, raced against the call timeout, which bounds the body's reading too.
    private func exchange(_ request: ExternalRequest, through http: HTTPClient) async throws -> Answer {
        let timeout = settings.callTimeout
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            group.addTask {
                var outbound = HTTPClientRequest(url: request.url.description)
                outbound.method = HTTPMethod(rawValue: request.method.rawValue)
                for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
                if let context = ServiceContext.current {
                    InstrumentationSystem.instrument.inject(context, into: &outbound.headers, using: TraceHeaderInjector())
                }
                if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
                let response = try await http.execute(outbound, timeout: .microseconds(timeout.microseconds))
                let body = try await response.body.collect(upTo: self.settings.maxResponseBytes)
                return Answer(
                    status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                    body: Array(buffer: body)
                )
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw CallTimeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// What went wrong, in words fixed for each kind of failure: the error itself can name
    /// addresses and ports, which the job's error, shown to its producer, must not.
    private func describe(_ error: any Error) -> String {
        switch error {
        case is CallTimeout: return "no answer within \(Self.format(settings.callTimeout))"
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            return "no answer within \(Self.format(settings.callTimeout))"
        case let error as HTTPClientError where error == .connectTimeout:
            return "no connection within \(Self.format(settings.connectTimeout))"
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return "the connection closed before the answer"
        case is NIOTooManyBytesError: return "the response body is larger than \(settings.maxResponseBytes) bytes"
        case is NIOConnectionError, is IOError: return "the connection failed"
        case is UnresolvedHost: return "the host name does not resolve"
        default: return "the call failed"
        }
    }

    private static func format(_ duration: Duration) -> String {
        "\(duration.microseconds / 1000) ms"
    }

    private struct CallTimeout: Error {}
}

/// Writes the caller's trace context (`traceparent`, `tracestate`) into an outbound call's headers.
private struct TraceHeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
