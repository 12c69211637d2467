public import ConveyorCore
public import Hummingbird
public import Logging

/// The HTTP server of a worker's or a scheduler's `--metrics-port`: `GET /metrics` (Prometheus
/// text) and `GET /health` (200 while the process can do its work, 503 with the reason when
/// not). With a metrics token, `/metrics` answers only a request that sends it as a bearer
/// token; `/health` is open, as a load balancer's or supervisor's check needs.
public struct MetricsServer: Sendable {
    public let host: String
    public let port: Int
    private let tokenDigest: SecretDigest?
    private let exposition: MetricsExposition
    private let health: @Sendable () async -> String?
    private let logger: Logger

    /// `health` answers nil when the process is well, or why it is not.
    public init(
        host: String, port: Int, token: String?, exposition: MetricsExposition, logger: Logger,
        health: @escaping @Sendable () async -> String?
    ) {
        self.host = host
        self.port = port
        self.tokenDigest = token.map { SecretDigest(of: $0) }
        self.exposition = exposition
        self.health = health
        self.logger = logger
    }

    /// The server, a `Service` to run beside the process's others.
    public func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { request, _ -> Response in
            try self.admit(request)
            let body = await exposition.text()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: String(body.count)],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        router.get("health") { _, _ -> Response in
            let problem = await health()
            var body = Array(#"{"status":"#.utf8)
            if let problem {
                body += Array(#""unavailable","reason":"#.utf8)
                JSONString.append(problem, to: &body)
            } else {
                body += Array(#""ok""#.utf8)
            }
            body += Array("}\n".utf8)
            return Response(
                status: problem == nil ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "conveyor-metrics"), logger: logger
        )
    }

    private func admit(_ request: Request) throws {
        guard let tokenDigest else { return }
        guard let authorization = request.headers[.authorization], let token = BearerCredential.token(in: authorization),
            tokenDigest.matches(SecretDigest(of: token))
        else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send the metrics token (CONVEYOR_METRICS_TOKEN) as 'Authorization: Bearer <token>'")
        }
    }
}
