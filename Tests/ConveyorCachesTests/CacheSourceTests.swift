@testable import ConveyorCaches
import ConveyorCore
import ConveyorExternal
@testable import ConveyorJobs
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Values fetched from an external HTTP service: the shipped exchange rates against a
/// rates server on loopback, its breaker in the real Redis.
@Suite("Cache sources")
struct CacheSourceTests {
    static let ratesDocument = #"{"base":"EUR","date":"2025-01-31","rates":{"USD":1.0393,"GBP":0.8388}}"#

    /// Requests the test server has answered.
    final class Counter: Sendable {
        private let count = Atomic<Int>(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// A server on an ephemeral loopback port: `/latest` (the rates document), `/fail` (500)
    /// and `/html` (a page, not JSON); `base` is its URL. Its breaker starts closed, and
    /// `client` opens it after `minimumCalls` calls of which half failed.
    private static func withRatesServer(
        minimumCalls: Int,
        _ body: @escaping @Sendable (_ base: String, _ requests: Counter, _ client: ExternalClient) async throws -> Void
    ) async throws {
        let requests = Counter()
        let router = Router()
        router.get("latest") { _, _ -> Response in
            requests.add()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: ratesDocument)))
        }
        router.get("fail") { _, _ -> Response in
            requests.add()
            return Response(status: .internalServerError)
        }
        router.get("html") { _, _ -> String in
            requests.add()
            return "<html>maintenance</html>"
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let redis = try TestEnvironment.redis()
            // An earlier test may have left a breaker for the same port.
            let keys = try await redis.send(RedisCommand("KEYS", .string("conveyor:breaker:{\(try ExternalURL(base).dependency)}:*"))).array ?? []
            for key in keys { if let key = key.string { _ = try await redis.send(RedisCommand("DEL", .string(key))) } }
            await redis.shutdown()
            let client = try Self.client(minimumCalls: minimumCalls)
            do {
                try await body(base, requests, client)
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    private static func client(minimumCalls: Int) throws -> ExternalClient {
        ExternalClient(
            redis: try TestEnvironment.redis(),
            settings: ExternalClientSettings(
                connectTimeout: .seconds(2), callTimeout: .seconds(10),
                breakers: BreakerSettings(failureRate: 0.5, window: .seconds(60), minimumCalls: minimumCalls, coolDown: .seconds(60)),
                // The receivers listen on loopback, which only an operator's exception lets calls reach.
                outbound: try OutboundPolicy(allowing: "127.0.0.1")
            )
        )
    }

    /// The shipped catalogue with the rates URL set as a deployment would.
    private static func shippedCatalogue(ratesURL: String) throws -> CacheCatalogue {
        try CacheCatalogue(files: JobCatalogue.cacheFiles, environment: ["CONVEYOR_EXCHANGE_RATES_URL": ratesURL])
    }

    /// A catalogue of one value, `figures`, whose source is `url`.
    private static func sourced(_ url: String) throws -> CacheCatalogue {
        try CacheFixture.catalogue("-- ttl 1m\n-- source \(url)\nSELECT :source::jsonb->'base' AS base WHERE :tenant <> ''")
    }

    @Test("a refresh of the exchange rates fetches the document once and stores its shape for the tenant")
    func fetchesAndStores() async throws {
        try await Self.withRatesServer(minimumCalls: 100) { base, requests, client in
            try await CacheFixture.with("rates", catalogue: try Self.shippedCatalogue(ratesURL: base + "/latest")) { fixture in
                let outcome = try await fixture.refresh("exchange-rates", external: client)
                #expect(outcome.computed && outcome.rows == 1)
                #expect(requests.value == 1)

                let keys = fixture.keys("exchange-rates")
                let stored = try #require(try await fixture.redis.send(RedisCommand("HMGET", .string(keys.value), "value", "ttl_ms")).array)
                #expect(stored[1].int == 3_600_000)
                let json = try #require(stored[0].bytes)
                let value = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
                #expect(value["base"] as? String == "EUR")
                #expect(value["date"] as? String == "2025-01-31")
                let rates = try #require(value["rates"] as? [String: Double])
                #expect(rates == ["USD": 1.0393, "GBP": 0.8388])
                #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(keys.lock))).int == 0)
            }
        }
    }

    @Test("a source answering 500 fails the attempt, counts for the breaker, releases the lock and keeps the pending job")
    func failingSource() async throws {
        try await Self.withRatesServer(minimumCalls: 100) { base, _, client in
            try await CacheFixture.with("rates-fail", catalogue: try Self.sourced(base + "/fail")) { fixture in
                let keys = fixture.keys("figures")
                let job = JobID(in: .default)
                _ = try await fixture.store.request(tenant: fixture.tenant, name: "figures", candidate: job, pendingFor: .seconds(60), refresh: true)
                let error = await #expect(throws: ExternalStatusError.self) { try await fixture.refresh("figures", job: job, external: client) }
                #expect(error?.status == 500)
                let dependency = try ExternalURL(base).dependency
                let breaker = try #require(try await BreakerStatus.all(from: fixture.redis).first { $0.dependency == dependency })
                #expect(breaker.windowFailures == 1)
                #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(keys.lock), .string(keys.value))).int == 0)
                #expect(try await fixture.redis.send(RedisCommand("GET", .string(keys.pending))).string == job.description)
            }
        }
    }

    @Test("a source whose body is not JSON fails the attempt (to be retried) with a clear error")
    func notJSON() async throws {
        try await Self.withRatesServer(minimumCalls: 100) { base, _, client in
            try await CacheFixture.with("rates-html", catalogue: try Self.sourced(base + "/html")) { fixture in
                let error = await #expect(throws: CacheSourceError.self) { try await fixture.refresh("figures", external: client) }
                #expect(error?.description.contains("answered a body that is not JSON") == true, "\(String(describing: error))")
                #expect(error?.description.contains("<html>maintenance</html>") == true)
            }
        }
    }

    @Test("an open breaker defers the refresh without a request: the lock is released and the pending job kept, even on the last attempt")
    func openBreakerDefers() async throws {
        try await Self.withRatesServer(minimumCalls: 1) { base, requests, client in
            try await CacheFixture.with("rates-open", catalogue: try Self.sourced(base + "/fail")) { fixture in
                let keys = fixture.keys("figures")
                let job = JobID(in: .default)
                _ = try await fixture.store.request(tenant: fixture.tenant, name: "figures", candidate: job, pendingFor: .seconds(60), refresh: true)
                // One failure of one call opens it.
                await #expect(throws: ExternalStatusError.self) { try await fixture.refresh("figures", job: job, external: client) }
                let sent = requests.value

                await #expect(throws: JobDeferral.self) {
                    try await fixture.refresh("figures", job: job, isLastAttempt: true, external: client)
                }
                #expect(requests.value == sent)
                #expect(try await fixture.redis.send(RedisCommand("EXISTS", .string(keys.lock), .string(keys.value))).int == 0)
                #expect(try await fixture.redis.send(RedisCommand("GET", .string(keys.pending))).string == job.description)
                guard case .refresh(let named) = try await fixture.store.request(
                    tenant: fixture.tenant, name: "figures", candidate: JobID(in: .default), pendingFor: .seconds(60), refresh: false
                ) else { Issue.record("a value was stored by a deferred refresh"); return }
                #expect(named == job)

                // The jobs the open breaker holds back come due spread over a second, not all at its reopening.
                var dueTimes: [Timestamp] = []
                for _ in 0..<8 {
                    do {
                        _ = try await fixture.refresh("figures", job: job, external: client)
                    } catch let deferral as JobDeferral {
                        dueTimes.append(deferral.until)
                    }
                }
                #expect(dueTimes.count == 8)
                #expect(Set(dueTimes.map(\.microseconds)).count > 1, "\(dueTimes)")
                let spread = try #require(dueTimes.max(by: { $0.microseconds < $1.microseconds })).since(try #require(dueTimes.min(by: { $0.microseconds < $1.microseconds })))
                #expect(spread < .seconds(1))
            }
        }
    }
}

@Suite("Cache source lines")
struct CacheSourceLineTests {
    private static func parse(_ source: String, environment: [String: String] = [:]) throws -> CachedValue {
        let text = "-- ttl 1h\n-- source \(source)\nSELECT :source::jsonb AS doc WHERE :tenant <> ''"
        let catalogue = try CacheCatalogue(files: [("jobs/caches/rates.sql", Array(text.utf8))], environment: environment)
        return try #require(catalogue.value(named: "rates"))
    }

    @Test("the shipped exchange rates default to the public service and take their URL from CONVEYOR_EXCHANGE_RATES_URL")
    func shipped() throws {
        let files = JobCatalogue.cacheFiles
        let unset = try #require(try CacheCatalogue(files: files, environment: [:]).value(named: "exchange-rates"))
        #expect(unset.source?.url.description == "https://api.frankfurter.app/latest?from=EUR")
        #expect(unset.ttl == .seconds(3600))
        #expect(unset.query.sql.contains("$2::jsonb") && unset.query.sql.contains("$1 <> ''"))
        let set = try CacheCatalogue(files: files, environment: ["CONVEYOR_EXCHANGE_RATES_URL": "http://rates.internal:8080/eur"])
        #expect(set.value(named: "exchange-rates")?.source?.url.description == "http://rates.internal:8080/eur")
        #expect(set.value(named: "exchange-rates")?.source?.url.dependency == "rates.internal:8080")
    }

    @Test("${VAR:-default} takes the variable when it is set and not empty, else the default; references may sit inside the URL")
    func resolution() throws {
        let template = "${RATES_URL:-https://rates.example.com/latest}"
        #expect(try Self.parse(template).source?.url.description == "https://rates.example.com/latest")
        #expect(try Self.parse(template, environment: ["RATES_URL": ""]).source?.url.description == "https://rates.example.com/latest")
        let set = try Self.parse(template, environment: ["RATES_URL": "http://127.0.0.1:9000/r"])
        #expect(set.source?.url.description == "http://127.0.0.1:9000/r")
        #expect(set.source?.template == template)
        let inside = try Self.parse("https://${RATES_HOST:-rates.example.com}/v1/${RATES_PATH}?from=EUR", environment: ["RATES_PATH": "latest"])
        #expect(inside.source?.url.description == "https://rates.example.com/v1/latest?from=EUR")
        #expect(try Self.parse("https://rates.example.com/latest").source?.url.dependency == "rates.example.com")
    }

    @Test(
        "a bad source line names the file, its line and what to write",
        arguments: [
            ("-- source\nSELECT :source::jsonb WHERE :tenant <> ''", 2, "'source' needs the URL"),
            ("-- source ${RATES_URL:-https://a.example\nSELECT :source::jsonb WHERE :tenant <> ''", 2, "'${' without its '}'"),
            ("-- source ${1RATES}\nSELECT :source::jsonb WHERE :tenant <> ''", 2, "does not name a variable"),
            ("-- source ${UNSET_RATES_URL}\nSELECT :source::jsonb WHERE :tenant <> ''", 2, "UNSET_RATES_URL is not set"),
            ("-- source ${RATES_URL:-ftp://rates.example.com/x}\nSELECT :source::jsonb WHERE :tenant <> ''", 2,
             "'source' must be an absolute http or https URL (resolved from RATES_URL)"),
            ("-- source rates.example.com/latest\nSELECT :source::jsonb WHERE :tenant <> ''", 2, "not an absolute URL"),
            ("-- source https://a.example\n-- source https://b.example\nSELECT :source::jsonb WHERE :tenant <> ''", 3,
             "a second 'source' line (the first is line 2)"),
            ("-- source https://a.example\nSELECT 1 AS n WHERE :tenant <> ''", nil, "never uses :source"),
            ("SELECT :source::jsonb AS doc WHERE :tenant <> ''", 2, "unknown parameter ':source'"),
        ] as [(String, Int?, String)]
    )
    func mistakes(header: String, line: Int?, message: String) throws {
        let text = "-- ttl 1h\n" + header
        do {
            _ = try CacheCatalogue(files: [("jobs/caches/rates.sql", Array(text.utf8))], environment: [:])
            Issue.record("'\(header)' was accepted")
        } catch {
            #expect(error.file == "jobs/caches/rates.sql")
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error)")
        }
    }
}
