@testable import ConveyorExternal
import ConveyorRedis
import ConveyorTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// The client against a real HTTP server on loopback, its breakers in the real Redis.
@Suite struct ExternalClientTests {
    /// Requests the test server has answered.
    final class Counter: Sendable {
        private let count = Atomic<Int>(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// A server on an ephemeral loopback port: `/ok`, `/echo` (body and `X-Echo` back),
    /// `/fail` (500), `/slow` (answers after 2 s) and `/big` (5,000 bytes).
    private static func withServer(_ body: @escaping @Sendable (_ base: String, _ requests: Counter) async throws -> Void) async throws {
        let requests = Counter()
        let router = Router()
        router.middlewares.add(CountingMiddleware(counter: requests))
        router.get("ok") { _, _ in "ok" }
        router.post("echo") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return Response(
                status: .ok, headers: [.init("X-Echo")!: request.headers[.init("X-Echo")!] ?? ""], body: .init(byteBuffer: bytes)
            )
        }
        router.get("fail") { _, _ -> Response in Response(status: .internalServerError) }
        router.get("slow") { _, _ -> String in
            try await Task.sleep(for: .seconds(2))
            return "late"
        }
        router.get("big") { _, _ in String(repeating: "x", count: 5000) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            // The port may have served another run's test, whose breaker the shared Redis still holds.
            let dependency = try ExternalURL(base).dependency
            let redis = try TestEnvironment.redis()
            try await redis.send(RedisCommand("DEL", BreakerKeys(dependency).all.map { .string($0) }))
            await redis.shutdown()
            try await body(base, requests)
        }
    }

    struct CountingMiddleware<Context: RequestContext>: RouterMiddleware {
        let counter: Counter
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            counter.add()
            return try await next(request, context)
        }
    }

    private static func client(
        callTimeout: Duration = .seconds(10), maxResponseBytes: Int = 1 << 20, minimumCalls: Int = 3
    ) throws -> ExternalClient {
        ExternalClient(
            redis: try TestEnvironment.redis(),
            settings: ExternalClientSettings(
                connectTimeout: .seconds(2), callTimeout: callTimeout, maxResponseBytes: maxResponseBytes,
                breakers: BreakerSettings(failureRate: 0.5, window: .seconds(60), minimumCalls: minimumCalls, coolDown: .seconds(60)),
                // The receivers listen on loopback, which only an operator's exception lets calls reach.
                outbound: try OutboundPolicy(allowing: "127.0.0.1")
            )
        )
    }

    @Test func callsGetTheirAnswersAndServerErrorsOpenTheBreaker() async throws {
        try await Self.withServer { base, requests in
            let client = try Self.client(minimumCalls: 3)
            let ok = try await client.send(ExternalRequest(.get, try ExternalURL(base + "/ok")))
            #expect(ok.status == 200 && ok.isSuccess && String(decoding: ok.body, as: UTF8.self) == "ok")
            #expect(ok.breakerState == .closed)
            let echo = try await client.send(
                ExternalRequest(.post, try ExternalURL(base + "/echo"), headers: [("X-Echo", "same")], body: Array("hello".utf8))
            )
            #expect(String(decoding: echo.body, as: UTF8.self) == "hello" && echo.header("x-echo") == "same")

            // Two failed of three calls: past one half, with the minimum of three calls.
            let failed = try await client.send(ExternalRequest(.get, try ExternalURL(base + "/fail")))
            #expect(failed.status == 500 && failed.breakerState == .closed)
            #expect(throws: ExternalStatusError.self) { try failed.requireSuccess(of: ExternalRequest(.get, try ExternalURL(base + "/fail"))) }
            let opening = try await client.send(ExternalRequest(.get, try ExternalURL(base + "/fail")))
            #expect(opening.breakerState == .open)

            // Open: nothing is sent.
            let sent = requests.value
            let refusal = await #expect(throws: BreakerRefusal.self) {
                try await client.send(ExternalRequest(.get, try ExternalURL(base + "/ok")))
            }
            #expect(refusal?.dependency == (try ExternalURL(base)).dependency)
            #expect(requests.value == sent)
            try await client.shutdown()
        }
    }

    @Test func aSlowAnswerTimesOutAndARefusedConnectionFails() async throws {
        try await Self.withServer { base, _ in
            let client = try Self.client(callTimeout: .milliseconds(300), minimumCalls: 1000)
            let timeout = await #expect(throws: ExternalCallError.self) {
                try await client.send(ExternalRequest(.get, try ExternalURL(base + "/slow")))
            }
            #expect(timeout?.problem == "no answer within 300 ms")
            #expect(timeout?.breakerState == .closed)
            let failures = try #require(try await BreakerStatus.all(from: client.breakers.redis).first { $0.dependency == (try ExternalURL(base)).dependency })
            #expect(failures.windowFailures == 1)

            // Port 1 on loopback: nothing listens.
            await #expect(throws: ExternalCallError.self) {
                try await client.send(ExternalRequest(.get, try ExternalURL("http://127.0.0.1:1/")))
            }
            try await client.shutdown()
        }
    }

    @Test func aBodyOverTheCapFailsTheCallButNotTheBreaker() async throws {
        try await Self.withServer { base, _ in
            let client = try Self.client(maxResponseBytes: 1000, minimumCalls: 1)
            let error = await #expect(throws: ExternalCallError.self) {
                try await client.send(ExternalRequest(.get, try ExternalURL(base + "/big")))
            }
            #expect(error?.problem == "the response body is larger than 1000 bytes")
            #expect(error?.breakerState == .closed)
            try await client.shutdown()
        }
    }
}
