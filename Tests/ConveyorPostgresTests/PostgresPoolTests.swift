import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Testing

@Suite struct PostgresPoolTests {
    /// Connections of the test database whose `application_name` is `name`.
    static func backends(named name: String, pool: PostgresPool) async throws -> Int {
        try await pool.withConnection { connection in
            try await connection.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
                [name]
            ).rows[0].decode("n", as: Int.self)
        }
    }

    @Test(.disabled(if: TestEnvironment.reachesPostgresThroughPooler, "a pooler keeps the client's connection when its server's ends"))
    func anIdleConnectionTheServerClosedIsReplacedNotHandedOut() async throws {
        try await TestDatabase.withPool(poolSize: 1) { pool, _ in
            let first = try await pool.withConnection { $0.backendPID }
            // As a server restart does to every idle connection.
            try await TestDatabase.withPool(poolSize: 1) { other, _ in
                try await other.withConnection { try await $0.execute("SELECT pg_terminate_backend($1)", [Int(first)]) }
            }
            try await Task.sleep(for: .milliseconds(200))
            let (pid, one) = try await pool.withConnection { connection in
                (connection.backendPID, try await connection.query("SELECT 1 AS one").rows[0].decode("one", as: Int.self))
            }
            #expect(one == 1)
            #expect(pid != first)
        }
    }

    @Test(.disabled(if: TestEnvironment.reachesPostgresThroughPooler, "a pooler opens server connections of its own"))
    func neverOpensMoreThanPoolSize() async throws {
        let name = TestDatabase.uniqueName("pool")
        // The 30 calls queue for the 4 connections; on a machine busy with the other suites that
        // may take longer than the default wait, which this test is not about.
        try await TestDatabase.withPool(poolSize: 4, configure: { $0.applicationName = name; $0.acquireTimeout = .seconds(60) }) { pool, _ in
            let peak = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            let row = try await connection.query(
                                "SELECT count(*) AS n, pg_sleep(0.02)::text FROM pg_stat_activity WHERE application_name = $1",
                                [name]
                            ).rows[0]
                            return try row.decode("n", as: Int.self)
                        }
                    }
                }
                return try await group.reduce(0, max)
            }
            #expect(peak == 4)
            #expect(try await Self.backends(named: name, pool: pool) == 4)
        }
    }

    @Test func acquireTimesOutWithPoolTimeout() async throws {
        try await TestDatabase.withPool(poolSize: 1, configure: { $0.acquireTimeout = .milliseconds(200) }) { pool, _ in
            let held = try await pool.acquire()
            let start = ContinuousClock.now
            let error = try await #require(throws: PostgresError.self) { _ = try await pool.acquire() }
            #expect(error.kind == .poolTimeout)
            #expect(error.isRetryable)
            #expect(error.description.contains("all 1 connections (poolSize)"))
            #expect(start.duration(to: .now) >= .milliseconds(200))
            pool.release(held)
            // The timed-out waiter left the queue: the connection goes to the next caller at once.
            let next = try await pool.acquire()
            #expect(next.connection === held.connection)
            pool.release(next)
        }
    }

    @Test func measuresTimeWaited() async throws {
        try await TestDatabase.withPool(poolSize: 1) { pool, _ in
            let first = try await pool.acquire()
            let second = Task { try await pool.acquire() }
            try await Task.sleep(for: .milliseconds(150))
            pool.release(first)
            let lease = try await second.value
            #expect(lease.waited >= .milliseconds(100))
            #expect(lease.connection === first.connection)
            pool.release(lease)
        }
    }

    @Test func servesWaitersInOrder() async throws {
        try await TestDatabase.withPool(poolSize: 1) { pool, _ in
            let held = try await pool.acquire()
            let order = OrderRecorder()
            var waiters: [Task<Void, any Error>] = []
            for index in 0..<5 {
                waiters.append(
                    Task {
                        let lease = try await pool.acquire()
                        order.append(index)
                        pool.release(lease)
                    }
                )
                try await Task.sleep(for: .milliseconds(50))
            }
            pool.release(held)
            for waiter in waiters { try await waiter.value }
            #expect(order.values == [0, 1, 2, 3, 4])
        }
    }

    @Test func cancelledAcquireLeavesTheQueue() async throws {
        try await TestDatabase.withPool(poolSize: 1) { pool, _ in
            let held = try await pool.acquire()
            let waiter = Task { try await pool.acquire() }
            try await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiter.value }
            pool.release(held)
            let next = try await pool.acquire()
            #expect(next.connection === held.connection)
            #expect(next.waited < .milliseconds(100))
            pool.release(next)
        }
    }

    @Test func connectionLeftInTransactionIsNotReused() async throws {
        try await TestDatabase.withPool(poolSize: 1) { pool, _ in
            let lease = try await pool.acquire()
            try await lease.connection.execute("BEGIN")
            pool.release(lease)
            let next = try await pool.acquire()
            #expect(next.connection !== lease.connection)
            #expect(try await next.connection.query("SELECT 1 AS one").rows[0].decode("one", as: Int.self) == 1)
            pool.release(next)
        }
    }

    @Test func replacesConnectionsPastTheirLifetime() async throws {
        let name = TestDatabase.uniqueName("lifetime")
        try await TestDatabase.withPool(
            poolSize: 2,
            configure: {
                $0.maxConnectionLifetime = .milliseconds(300)
                $0.applicationName = name
            }
        ) { pool, _ in
            let first = try await pool.withConnection { $0.backendPID }
            let again = try await pool.withConnection { $0.backendPID }
            #expect(again == first)
            try await Task.sleep(for: .milliseconds(400))
            let later = try await pool.withConnection { $0.backendPID }
            #expect(later != first)
            // The old backend goes away rather than lingering beside its replacement.
            var remaining = 2
            for _ in 0..<50 where remaining > 1 {
                try await Task.sleep(for: .milliseconds(20))
                remaining = try await Self.backends(named: name, pool: pool)
            }
            #expect(remaining == 1)
        }
    }

    @Test func shutdownFailsWaitersAndLaterAcquires() async throws {
        let configuration = try PostgresConfiguration(url: TestDatabase.url())
        let pool = PostgresPool(
            configuration: {
                var c = configuration; c.poolSize = 1; return c
            }(),
            logger: TestDatabase.logger
        )
        let held = try await pool.acquire()
        let waiter = Task { try await pool.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        let shutdown = Task { await pool.shutdown() }
        let waiterError = try await #require(throws: PostgresError.self) { _ = try await waiter.value }
        #expect(waiterError.kind == .shutdown)
        pool.release(held)
        await shutdown.value
        let later = try await #require(throws: PostgresError.self) { _ = try await pool.acquire() }
        #expect(later.kind == .shutdown)
    }
}

/// Collects values appended from several tasks.
final class OrderRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []

    func append(_ value: Int) {
        self.lock.withLock { self.recorded.append(value) }
    }

    var values: [Int] {
        self.lock.withLock { self.recorded }
    }
}
