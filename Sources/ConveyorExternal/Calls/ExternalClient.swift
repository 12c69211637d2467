import AsyncHTTPClient
import ConveyorRedis
import NIOCore
import NIOHTTP1

/// Makes outbound HTTP calls: one async-http-client per process, with a connect timeout
/// and a timeout on the whole call, and every call through the circuit breaker of its
/// dependency. Shut it down when the process stops.
public final class ExternalClient: Sendable {
    public let settings: ExternalClientSettings
    public let breakers: CircuitBreakers
    private let http: HTTPClient

    /// - Parameter redis: where the breakers' state is shared.
    public init(redis: RedisClient, settings: ExternalClientSettings) {
        self.settings = settings
        // A probe whose worker died frees its slot a little after its call would have timed out.
        self.breakers = CircuitBreakers(redis: redis, settings: settings.breakers, probeLease: settings.callTimeout + .seconds(1))
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .microseconds(settings.connectTimeout.microseconds))
        )
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Lets the calls under way finish, then closes the connections.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends `request` if its dependency's breaker lets it, and counts the outcome: a
    /// timeout, a failed connection or a 5xx or 429 answer as a failure.
    /// - Returns: the response, whatever its status.
    /// - Throws: ``BreakerRefusal`` when the breaker refused the call (nothing was sent);
    ///   ``ExternalCallError`` when the call got no usable answer; `CancellationError`
    ///   when the calling task was cancelled; a Redis error when the breaker could not be asked.
    public func send(_ request: ExternalRequest) async throws -> ExternalResponse {
        let permit = try await breakers.permit(request.url.dependency)
        let answer: Answer
        do {
            answer = try await exchange(request)
        } catch {
            if Task.isCancelled {
                try? await breakers.record(permit, .abandoned)
                throw CancellationError()
            }
            let tooLarge = error is NIOTooManyBytesError
            let state = await record(permit, tooLarge ? .success : .failure)
            throw ExternalCallError(
                method: request.method.rawValue, url: request.url.description, problem: describe(error), breakerState: state
            )
        }
        let failed = answer.status >= 500 || answer.status == 429
        let state = await record(permit, failed ? .failure : .success)
        return ExternalResponse(status: answer.status, headers: answer.headers, body: answer.body, breakerState: state)
    }

    /// Records the outcome; when Redis cannot take it, the call's result still stands and
    /// the breaker is as the permit found it.
    private func record(_ permit: BreakerPermit, _ outcome: BreakerCallOutcome) async -> BreakerState {
        (try? await breakers.record(permit, outcome)) ?? permit.state
    }

    /// What came back, read whole.
    private struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    /// The call itself, raced against the call timeout, which bounds the body's reading too.
    private func exchange(_ request: ExternalRequest) async throws -> Answer {
        let timeout = settings.callTimeout
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            group.addTask {
                var outbound = HTTPClientRequest(url: request.url.description)
                outbound.method = HTTPMethod(rawValue: request.method.rawValue)
                for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
                if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
                let response = try await self.http.execute(outbound, timeout: .microseconds(timeout.microseconds))
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

    private func describe(_ error: any Error) -> String {
        switch error {
        case is CallTimeout: return "no answer within \(Self.format(settings.callTimeout))"
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            return "no answer within \(Self.format(settings.callTimeout))"
        case let error as HTTPClientError where error == .connectTimeout:
            return "no connection within \(Self.format(settings.connectTimeout))"
        case is NIOTooManyBytesError: return "the response body is larger than \(settings.maxResponseBytes) bytes"
        default: return String(describing: error)
        }
    }

    private static func format(_ duration: Duration) -> String {
        "\(duration.microseconds / 1000) ms"
    }

    private struct CallTimeout: Error {}
}
