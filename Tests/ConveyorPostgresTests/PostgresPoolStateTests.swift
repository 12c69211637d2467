@testable import ConveyorPostgres
import Testing

/// The pool's state machine on its own, with stand-in connections and named waiters: no
/// server, no threads, every decision read off the actions it returns.
@Suite struct PostgresPoolStateTests {
    private final class StandIn: PooledConnection, CustomStringConvertible {
        let name: String
        let openedAt: ContinuousClock.Instant

        init(_ name: String, openedAt: ContinuousClock.Instant) {
            self.name = name
            self.openedAt = openedAt
        }

        var description: String { name }
    }

    private typealias State = PostgresPoolState<StandIn, String, String>

    /// The state machine behind a reference, so that `#expect` can call its mutating methods.
    private final class Machine {
        var state: State
        let start: ContinuousClock.Instant

        init(size: Int, lifetime: Duration, start: ContinuousClock.Instant) {
            state = State(maximumConnections: size, maximumLifetime: lifetime)
            self.start = start
        }

        func acquire(_ name: String, at offset: Duration = .zero, cancelled: Bool = false) -> State.Actions {
            let id = state.makeWaiterID()
            return state.acquire(State.Waiter(id: id, waiting: name), isCancelled: cancelled, now: start + offset)
        }

        func release(_ connection: StandIn, reusable: Bool, now: ContinuousClock.Instant) -> State.Actions {
            state.release(connection, reusable: reusable, now: now)
        }

        func opened(_ connection: StandIn) -> (accepted: Bool, actions: State.Actions) { state.opened(connection) }
        func openFailed() -> State.Actions { state.openFailed() }
        func removeWaiter(id: Int, failingWith error: any Error) -> State.Actions { state.removeWaiter(id: id, failingWith: error) }
        func attach(timer: Task<Void, Never>, toWaiter id: Int) -> Bool { state.attach(timer: timer, toWaiter: id) }
        func shutdown() -> State.Actions { state.shutdown() }
        func awaitAllClosed(_ finishing: String) -> State.Actions { state.awaitAllClosed(finishing) }
    }

    private let start = ContinuousClock.now
    private let lifetime = Duration.seconds(60)

    private func machine(size: Int) -> Machine {
        Machine(size: size, lifetime: lifetime, start: start)
    }

    /// Who was resumed, and with what: a connection's name, "slot", or the error's kind.
    private func resumed(_ actions: State.Actions) -> [String] {
        actions.resume.map { waiter, result in
            switch result {
            case .success(.connection(let connection)): "\(waiter.waiting): \(connection.name)"
            case .success(.slot): "\(waiter.waiting): slot"
            case .failure(let error as PostgresError): "\(waiter.waiting): \(error.kind)"
            case .failure(let error): "\(waiter.waiting): \(type(of: error))"
            }
        }
    }

    @Test func aFreeSlotIsOpenedThenTheReleasedConnectionIsReusedIdle() {
        let pool = machine(size: 1)
        #expect(resumed(pool.acquire("a")) == ["a: slot"])
        let first = StandIn("c1", openedAt: start)
        #expect(pool.opened(first).accepted)
        #expect(resumed(pool.release(first, reusable: true, now: start)).isEmpty)
        #expect(resumed(pool.acquire("b")) == ["b: c1"])
    }

    @Test func waitersAreServedFirstComeFirstServedOnceTheFullPoolReleases() {
        let pool = machine(size: 1)
        _ = pool.acquire("a")
        let connection = StandIn("c1", openedAt: start)
        _ = pool.opened(connection)
        let queuedB = pool.acquire("b")
        #expect(queuedB.resume.isEmpty)
        #expect(queuedB.startTimer != nil)
        _ = pool.acquire("c")
        #expect(resumed(pool.release(connection, reusable: true, now: start)) == ["b: c1"])
        #expect(resumed(pool.release(connection, reusable: true, now: start)) == ["c: c1"])
    }

    @Test func usageCountsConnectionsBeingOpenedAsInUseAndQueuedCallersAsWaiting() {
        let pool = machine(size: 2)
        #expect(pool.state.usage == PostgresPoolUsage(size: 2, inUse: 0, idle: 0, waiting: 0))
        _ = pool.acquire("a")
        #expect(pool.state.usage == PostgresPoolUsage(size: 2, inUse: 1, idle: 0, waiting: 0))
        let first = StandIn("c1", openedAt: start)
        _ = pool.opened(first)
        _ = pool.acquire("b")
        _ = pool.acquire("c")
        #expect(pool.state.usage == PostgresPoolUsage(size: 2, inUse: 2, idle: 0, waiting: 1))
        _ = pool.release(first, reusable: true, now: start)
        #expect(pool.state.usage == PostgresPoolUsage(size: 2, inUse: 2, idle: 0, waiting: 0))
        _ = pool.release(first, reusable: true, now: start)
        #expect(pool.state.usage == PostgresPoolUsage(size: 2, inUse: 1, idle: 1, waiting: 0))
    }

    @Test func aBrokenConnectionIsClosedAndItsSlotGoesToTheNextWaiter() {
        let pool = machine(size: 1)
        _ = pool.acquire("a")
        let broken = StandIn("c1", openedAt: start)
        _ = pool.opened(broken)
        _ = pool.acquire("b")
        let actions = pool.release(broken, reusable: false, now: start)
        #expect(actions.close.map(\.name) == ["c1"])
        #expect(resumed(actions) == ["b: slot"])
        // A lease released twice changes nothing.
        #expect(pool.release(broken, reusable: true, now: start).close.isEmpty)
    }

    @Test func connectionsPastTheirLifetimeCloseOnReleaseAndWhenFoundIdle() {
        let pool = machine(size: 2)
        _ = pool.acquire("a")
        _ = pool.acquire("b")
        let old = StandIn("old", openedAt: start)
        let young = StandIn("young", openedAt: start + .seconds(30))
        _ = pool.opened(old)
        _ = pool.opened(young)
        #expect(pool.release(old, reusable: true, now: start + lifetime).close.map(\.name) == ["old"])
        #expect(pool.release(young, reusable: true, now: start + .seconds(40)).close.isEmpty)
        let later = pool.acquire("c", at: .seconds(95))
        #expect(later.close.map(\.name) == ["young"])
        #expect(resumed(later) == ["c: slot"])
    }

    @Test func aWaiterThatTimesOutLeavesTheQueueAndItsTimerIsNotKeptOnceServed() throws {
        let pool = machine(size: 1)
        _ = pool.acquire("a")
        let connection = StandIn("c1", openedAt: start)
        _ = pool.opened(connection)
        let queued = pool.acquire("b")
        let waiter = try #require(queued.startTimer)
        let timeout = PostgresError(kind: .poolTimeout, message: "no connection became free")
        #expect(resumed(pool.removeWaiter(id: waiter, failingWith: timeout)) == ["b: poolTimeout"])
        #expect(resumed(pool.removeWaiter(id: waiter, failingWith: timeout)).isEmpty)
        #expect(!pool.attach(timer: Task {}, toWaiter: waiter))
        // The connection goes idle, with nobody left waiting.
        #expect(resumed(pool.release(connection, reusable: true, now: start)).isEmpty)
    }

    @Test func aCancelledAcquireFailsAtOnceAndAFailedOpenLetsTheNextWaiterTry() {
        let pool = machine(size: 1)
        #expect(resumed(pool.acquire("a", cancelled: true)) == ["a: CancellationError"])
        _ = pool.acquire("b")
        _ = pool.acquire("c")
        #expect(resumed(pool.openFailed()) == ["c: slot"])
    }

    @Test func shutdownFailsWaitersAndFinishesOnceTheLastLeaseReturns() {
        let pool = machine(size: 1)
        _ = pool.acquire("a")
        let leased = StandIn("leased", openedAt: start)
        _ = pool.opened(leased)
        _ = pool.acquire("b")

        let shutdown = pool.shutdown()
        #expect(resumed(shutdown) == ["b: shutdown"])
        #expect(shutdown.close.isEmpty)
        #expect(pool.awaitAllClosed("stop").finishShutdown.isEmpty)
        #expect(resumed(pool.acquire("c")) == ["c: shutdown"])
        let last = pool.release(leased, reusable: true, now: start)
        #expect(last.close.map(\.name) == ["leased"])
        #expect(last.finishShutdown == ["stop"])
    }

    @Test func shutdownClosesIdleConnectionsAndRefusesOneStillBeingOpened() {
        let pool = machine(size: 2)
        _ = pool.acquire("a")
        _ = pool.acquire("b")
        let idle = StandIn("idle", openedAt: start)
        _ = pool.opened(idle)
        _ = pool.release(idle, reusable: true, now: start)

        #expect(pool.shutdown().close.map(\.name) == ["idle"])
        #expect(pool.awaitAllClosed("stop").finishShutdown.isEmpty)
        let late = StandIn("late", openedAt: start)
        let refused = pool.opened(late)
        #expect(!refused.accepted)
        #expect(refused.actions.close.map(\.name) == ["late"])
        #expect(refused.actions.finishShutdown == ["stop"])
    }
}
