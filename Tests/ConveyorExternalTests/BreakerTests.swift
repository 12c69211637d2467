import ConveyorCore
import ConveyorExternal
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// A breaker's transitions, each made by one script call against the real Redis, with
/// windows and cool-downs small enough for a test.
@Suite struct BreakerTests {
    let redis: RedisClient

    init() throws {
        redis = try TestEnvironment.redis()
    }

    /// A dependency no other test uses.
    private static func dependency(_ purpose: String) -> String {
        "\(purpose)-\(String(UInt64.random(in: 0 ... .max), radix: 36)).test"
    }

    private func breakers(
        failureRate: Double = 0.5, window: Duration = .seconds(60), minimumCalls: Int = 4, coolDown: Duration = .milliseconds(300),
        probes: Int = 1, probeLease: Duration = .seconds(30)
    ) -> CircuitBreakers {
        CircuitBreakers(
            redis: redis,
            settings: BreakerSettings(failureRate: failureRate, window: window, minimumCalls: minimumCalls, coolDown: coolDown, probes: probes),
            probeLease: probeLease
        )
    }

    private func call(_ breakers: CircuitBreakers, _ dependency: String, _ outcome: BreakerCallOutcome) async throws -> BreakerState {
        try await breakers.record(try await breakers.permit(dependency), outcome)
    }

    private func status(_ dependency: String) async throws -> BreakerStatus {
        try #require(try await BreakerStatus.all(from: redis).first { $0.dependency == dependency })
    }

    /// Waits out the cool-down: the first permit after it is a probe of the half-open breaker.
    private func probe(_ breakers: CircuitBreakers, _ dependency: String) async throws -> BreakerPermit {
        var permit: BreakerPermit?
        let allowed = try await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
            permit = try? await breakers.permit(dependency)
            return permit != nil
        }
        try #require(allowed)
        let probe = try #require(permit)
        #expect(probe.state == .halfOpen)
        return probe
    }

    @Test func itOpensOnceTheWindowHasTheMinimumCallsAndTheFailureRate() async throws {
        let dependency = Self.dependency("opens")
        let breakers = breakers(minimumCalls: 4, coolDown: .seconds(60))
        // Three failures in a row: too few calls for the rate to count.
        for _ in 0..<3 { #expect(try await call(breakers, dependency, .failure) == .closed) }
        #expect(try await status(dependency).windowFailures == 3)
        // The fourth call makes 3 of 4 failed: past the threshold of one half.
        #expect(try await call(breakers, dependency, .success) == .open)

        let refusal = await #expect(throws: BreakerRefusal.self) { try await breakers.permit(dependency) }
        #expect(refusal?.state == .open)
        let status = try await status(dependency)
        #expect(status.state == .open)
        #expect(status.openingFailureRate == 0.75)
        #expect(status.windowSuccesses + status.windowFailures == 0)
        let openedAt = try #require(status.openedAt)
        #expect(status.probeAt == openedAt + .seconds(60))
        #expect(refusal?.retryAt == status.probeAt)
        #expect(status.recentTransitions.map(\.to) == [.open])
        #expect(status.recentTransitions.first?.reason == "3 of 4 calls failed")
        #expect(status.transitionCounts[.open] == 1)
    }

    @Test func aFailureRateBelowTheThresholdKeepsItClosed() async throws {
        let dependency = Self.dependency("below")
        let breakers = breakers(failureRate: 0.5, minimumCalls: 4)
        for outcome in [BreakerCallOutcome.failure, .success, .success, .success, .failure, .success] {
            #expect(try await call(breakers, dependency, outcome) == .closed)
        }
        // Abandoned calls say nothing about the dependency.
        for _ in 0..<5 { #expect(try await call(breakers, dependency, .abandoned) == .closed) }
        let status = try await status(dependency)
        #expect(status.windowFailures == 2 && status.windowSuccesses == 4)
        #expect(status.windowFailureRate == 2.0 / 6.0)
    }

    @Test func callsRollOutOfTheWindow() async throws {
        let dependency = Self.dependency("rolls")
        let breakers = breakers(window: .milliseconds(500), minimumCalls: 3)
        for _ in 0..<2 { #expect(try await call(breakers, dependency, .failure) == .closed) }
        // Once those two have left the window (and its last bucket), a third failure is alone in
        // it: too few calls to open the breaker, which three failures in the window would.
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await call(breakers, dependency, .failure) == .closed)
    }

    @Test func afterTheCoolDownOneProbeGoesThroughAndItsSuccessClosesTheBreaker() async throws {
        let dependency = Self.dependency("closes")
        let breakers = breakers(minimumCalls: 2)
        for _ in 0..<2 { _ = try await call(breakers, dependency, .failure) }
        #expect(try await status(dependency).state == .open)

        let probe = try await probe(breakers, dependency)
        // The one probe slot is taken: others are refused until it frees.
        let refusal = await #expect(throws: BreakerRefusal.self) { try await breakers.permit(dependency) }
        #expect(refusal?.state == .halfOpen)
        #expect(try await status(dependency).probesInFlight == 1)
        // Refused calls ask again soon, not when the probe's 30-second lease would end.
        let retryIn = try #require(refusal?.retryAt).since(.localNow)
        #expect(retryIn <= CircuitBreakers.halfOpenRecheck + .seconds(1), "retry in \(retryIn)")

        #expect(try await breakers.record(probe, .success) == .closed)
        let status = try await status(dependency)
        #expect(status.state == .closed && status.probesInFlight == 0 && status.openedAt == nil)
        #expect(status.recentTransitions.map(\.to) == [.closed, .halfOpen, .open])
        #expect(status.recentTransitions.map(\.from) == [.halfOpen, .open, .closed])
        #expect(status.transitionCounts == [.open: 1, .halfOpen: 1, .closed: 1])
        #expect(try await breakers.permit(dependency).state == .closed)
    }

    @Test func aFailedProbeOpensTheBreakerForAnotherCoolDown() async throws {
        let dependency = Self.dependency("reopens")
        let breakers = breakers(minimumCalls: 2)
        for _ in 0..<2 { _ = try await call(breakers, dependency, .failure) }
        let firstOpening = try #require(try await status(dependency).openedAt)

        let probe = try await probe(breakers, dependency)
        // Recorded by a process whose cool-down is long: the settings of the call that opens it count.
        let patient = self.breakers(minimumCalls: 2, coolDown: .seconds(60))
        #expect(try await patient.record(probe, .failure) == .open)
        let status = try await status(dependency)
        #expect(status.state == .open)
        #expect(try #require(status.openedAt) > firstOpening)
        #expect(status.recentTransitions.map(\.to) == [.open, .halfOpen, .open])
        #expect(status.recentTransitions.first?.reason == "a probe failed")
        await #expect(throws: BreakerRefusal.self) { try await breakers.permit(dependency) }
    }

    @Test func severalProbesAtOnceAndAllMustSucceed() async throws {
        let dependency = Self.dependency("probes")
        let breakers = breakers(minimumCalls: 2, probes: 2)
        for _ in 0..<2 { _ = try await call(breakers, dependency, .failure) }
        let first = try await probe(breakers, dependency)
        let second = try await breakers.permit(dependency)
        #expect(second.state == .halfOpen)
        await #expect(throws: BreakerRefusal.self) { try await breakers.permit(dependency) }
        #expect(try await breakers.record(first, .success) == .halfOpen)
        // The freed slot takes another probe; the second success closes the breaker.
        let third = try await breakers.permit(dependency)
        #expect(try await breakers.record(second, .success) == .closed)
        // A probe result that comes after the breaker closed changes nothing.
        #expect(try await breakers.record(third, .failure) == .closed)
        #expect(try await status(dependency).windowFailures == 0)
    }

    @Test func aProbeWhoseResultNeverComesFreesItsSlotAfterItsLease() async throws {
        let dependency = Self.dependency("lost-probe")
        let breakers = breakers(minimumCalls: 2, probeLease: .milliseconds(300))
        for _ in 0..<2 { _ = try await call(breakers, dependency, .failure) }
        _ = try await probe(breakers, dependency)  // its worker dies: no result
        let next = try await probe(breakers, dependency)
        #expect(try await breakers.record(next, .success) == .closed)
    }

    @Test func anAbandonedProbeFreesItsSlotWithoutClosingTheBreaker() async throws {
        let dependency = Self.dependency("abandoned")
        let breakers = breakers(minimumCalls: 2)
        for _ in 0..<2 { _ = try await call(breakers, dependency, .failure) }
        let probe = try await probe(breakers, dependency)
        #expect(try await breakers.record(probe, .abandoned) == .halfOpen)
        let next = try await breakers.permit(dependency)
        #expect(next.state == .halfOpen)
        #expect(try await breakers.record(next, .success) == .closed)
    }

    @Test func everyKeyOfABreakerCarriesItsDependencyAsHashTag() async throws {
        let dependency = Self.dependency("keys")
        let breakers = breakers(minimumCalls: 2)
        for _ in 0..<2 { _ = try await call(breakers, dependency, .failure) }
        _ = try await probe(breakers, dependency)
        let reply = try await redis.send(RedisCommand("KEYS", .string("conveyor:breaker:*\(dependency)*")))
        let keys = (reply.array ?? []).compactMap(\.string)
        #expect(keys.count == 3)  // state, probes, transitions (the window is emptied when it opens)
        #expect(keys.allSatisfy { $0.hasPrefix("conveyor:breaker:{\(dependency)}:") })
        let known = try await redis.send(RedisCommand("ZSCORE", "conveyor:breakers:called", .string(dependency)))
        #expect(known.string != nil)
    }

    @Test func pastTheLimitTheLeastRecentlyCalledBreakersAreForgotten() async throws {
        // Its own Redis: the limit counts every breaker of the server.
        let server = try await PrivateRedis()
        let client = try TestEnvironment.redis(url: server.url)
        let breakers = CircuitBreakers(
            redis: client, settings: BreakerSettings(minimumCalls: 1, coolDown: .seconds(60)), probeLease: .seconds(30), limit: 3
        )
        let dependencies = (0..<5).map { "host-\($0).test" }
        for dependency in dependencies {
            // Each opens: its state, transitions and counters are keys of its own.
            #expect(try await call(breakers, dependency, .failure) == .open)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await BreakerStatus.all(from: client).map(\.dependency) == Array(dependencies.suffix(3)))
        let keys = (try await client.send(RedisCommand("KEYS", "conveyor:breaker:{*")).array ?? []).compactMap(\.string)
        #expect(keys.allSatisfy { key in dependencies.suffix(3).contains { key.hasPrefix("conveyor:breaker:{\($0)}:") } }, "\(keys)")
        #expect(!keys.isEmpty)
        await client.shutdown()
        try await server.stop()
    }
}
